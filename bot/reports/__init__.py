"""Reports: Excel ledgers in the paper forms' layout and the publicity board as a picture."""
