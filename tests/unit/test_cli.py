"""The ``partybot`` command line, driven through ``bot.cli.main`` with captured output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.i18n import set_locale

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "twelve-point.json"
PRESETS = [
    "base-incentive",
    "branch-star",
    "pioneer-index",
    "star-hundred",
    "star-hundred-90",
    "twelve-point",
]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_scheme_list_lists_all_six(capsys):
    assert main(["scheme", "list"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines()[2:]]
    assert listed == PRESETS
    assert "十二分制" in out and "党支部" in out


def test_scheme_show_twelve_point_shows_items(capsys):
    assert main(["scheme", "show", "twelve-point"]) == 0
    out = capsys.readouterr().out
    for code in ("absent_org_life", "migrant_return_missing", "improper_conduct", "award_province", "veto"):
        assert code in out
    assert "-12 ~ -2 (默认 -2)" in out and "上限 12" in out and "一票否决" in out


def test_scheme_show_base_incentive_shows_limits(capsys):
    assert main(["scheme", "show", "base-incentive"]) == 0
    out = capsys.readouterr().out
    assert "每季度1次" in out and "上限4" in out and "带头×2" in out


def test_scheme_check_good_file(tmp_path, capsys):
    path = write(
        tmp_path, "village.toml", 'extends = "twelve-point"\nid = "village"\nname = "某村十二分制"\n'
    )
    assert main(["scheme", "check", path]) == 0
    assert "方案文件有效: village 某村十二分制 (16 个积分项)" in capsys.readouterr().out


def test_scheme_check_bad_file(tmp_path, capsys):
    path = write(
        tmp_path,
        "bad.toml",
        'extends = "branch-star"\nid = "b"\nname = "x"\n\n[branch]\n'
        "evaluation_weight = 0.35\nself_weight = 0.65\n",
    )
    assert main(["scheme", "check", path]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.toml 第 6 行 [branch.evaluation_weight]" in captured.err


def test_scheme_check_syntax_error(tmp_path, capsys):
    path = write(tmp_path, "bad.toml", 'id = "b"\nname = "x"\nkind = \n')
    assert main(["scheme", "check", path]) == 1
    assert "第 3 行" in capsys.readouterr().err


def test_score_example_as_json(capsys):
    assert main(["score", "--scheme", "twelve-point", "--input", str(EXAMPLE)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["scheme"] == "twelve-point" and report["year"] == 2026
    scores = {m["id"]: (m["score"], m["rank"]) for m in report["members"]}
    # m01: 12 + 1 + 1 + 3; m02: 12 - 1 - 3 + 2; m03: one return, one missing: 12 - 6;
    # m05: 12 - min(12, 2 + 8 + 6); m04 exempt
    assert scores == {"m01": (17, 1), "m02": (10, 2), "m03": (6, 3), "m04": (None, None), "m05": (0, 4)}
    m05 = next(m for m in report["members"] if m["id"] == "m05")
    floor = m05["explanation"][-1]
    assert (floor["code"], floor["raw"], floor["bound"], floor["points"]) == ("deductions", -16, -12, -12)


def test_score_example_as_table(capsys):
    assert main(["score", "--scheme", "twelve-point", "--input", str(EXAMPLE), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("twelve-point  2026")
    assert "免于积分" in out and "王建国" in out and "〔二(二)2(4) 受县级表彰的加3分〕" in out
    assert "违规减分合计 -16 分, 按底线 -12 分计" in out


def test_score_branch_star_from_a_tmp_file(tmp_path, capsys):
    data = {
        "year": 2026,
        "branches": [
            {
                "id": "b1",
                "name": "一支部",
                "areas": {
                    "leadership": 15,
                    "operation": 15,
                    "member_management": 20,
                    "org_life": 20,
                    "support": 10,
                    "role": 10,
                },
                "entries": [{"item": "county_award", "points": 10}],
                "evaluation": 80,
            }
        ],
    }
    path = write(tmp_path, "branches.json", json.dumps(data, ensure_ascii=False))
    assert main(["score", "--scheme", "branch-star", "--input", path]) == 0
    [b1] = json.loads(capsys.readouterr().out)["branches"]
    # (90 + 10) x 0.7 + 80 x 0.3 = 94 -> 5 stars, but floor(30% x 1) = 0 five-star places -> 4
    assert (b1["score"], b1["stars"]) == (94, 4)


def test_score_with_a_scheme_file(tmp_path, capsys):
    scheme = write(
        tmp_path,
        "village.toml",
        'extends = "twelve-point"\nid = "village"\nname = "x"\n\n[[items]]\ncode = "volunteer"\npoints = 2\n',
    )
    data = write(
        tmp_path,
        "in.json",
        json.dumps(
            {
                "year": 2026,
                "members": [{"id": "a"}],
                "entries": [{"member": "a", "item": "volunteer", "date": "2026-03-01"}],
            }
        ),
    )
    assert main(["score", "--scheme", scheme, "--input", data]) == 0
    assert json.loads(capsys.readouterr().out)["members"][0]["score"] == 14


def test_score_bad_json_names_the_line(tmp_path, capsys):
    path = write(tmp_path, "bad.json", '{\n  "year": 2026,\n  "members": [\n    {"id": "a",}\n  ]\n}\n')
    assert main(["score", "--scheme", "twelve-point", "--input", path]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.json 第 4 行: JSON 格式错误" in captured.err


def test_score_unknown_item_names_the_record(tmp_path, capsys):
    data = {
        "year": 2026,
        "members": [{"id": "a"}],
        "entries": [
            {"member": "a", "item": "volunteer", "date": "2026-03-01"},
            {"member": "a", "item": "karaoke", "date": "2026-03-02"},
        ],
    }
    path = write(tmp_path, "in.json", json.dumps(data))
    assert main(["score", "--scheme", "twelve-point", "--input", path]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "entries[1] (member=a, item=karaoke, date=2026-03-02)" in captured.err
    assert "未计算任何积分" in captured.err


def test_score_missing_input_file(tmp_path, capsys):
    assert main(["score", "--scheme", "twelve-point", "--input", str(tmp_path / "none.json")]) == 1
    assert "找不到文件" in capsys.readouterr().err


def test_score_unknown_scheme_lists_the_presets(capsys):
    assert main(["score", "--scheme", "fourteen-point", "--input", str(EXAMPLE)]) == 1
    err = capsys.readouterr().err
    assert "fourteen-point" in err and all(p in err for p in PRESETS)


def test_score_in_english(capsys):
    try:
        assert (
            main(
                [
                    "--lang",
                    "en",
                    "score",
                    "--scheme",
                    "twelve-point",
                    "--input",
                    str(EXAMPLE),
                    "--format",
                    "table",
                ]
            )
            == 0
        )
        assert "exempt from scoring" in capsys.readouterr().out
    finally:
        set_locale("zh-CN")


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "partybot" in capsys.readouterr().out


def config_with(tmp_path, text):
    return write(tmp_path, "config.toml", text)


def test_scheme_show_and_check_find_a_scheme_in_the_scheme_dirs(tmp_path, capsys):
    folder = tmp_path / "schemes"
    folder.mkdir()
    write(folder, "village.toml", 'extends = "twelve-point"\nid = "village"\nname = "某村十二分制"\n')
    config = config_with(tmp_path, f'[bot]\nscheme_dirs = ["{folder.as_posix()}"]\n')
    assert main(["--config", config, "scheme", "show", "village"]) == 0
    assert capsys.readouterr().out.startswith("village  某村十二分制")
    assert main(["--config", config, "scheme", "check", "village"]) == 0
    assert "方案文件有效: village 某村十二分制" in capsys.readouterr().out
    assert main(["--config", config, "score", "--scheme", "village", "--input", str(EXAMPLE)]) == 0
    assert json.loads(capsys.readouterr().out)["scheme"] == "village"
    # without the folder in the config the name is unknown
    assert main(["--config", config_with(tmp_path, ""), "scheme", "show", "village"]) == 1
    assert "没有名为 “village” 的积分方案" in capsys.readouterr().err


def test_the_configured_time_zone_is_set_at_start(tmp_path, capsys):
    from bot.storage.timeutil import DEFAULT_ZONE, local_zone, set_timezone

    try:
        assert (
            main(["--config", config_with(tmp_path, '[bot]\ntimezone = "Europe/Berlin"\n'), "scheme", "list"])
            == 0
        )
        assert str(local_zone()) == "Europe/Berlin"
    finally:
        set_timezone(DEFAULT_ZONE)


def test_an_unknown_time_zone_stops_every_command(tmp_path, capsys):
    config = config_with(tmp_path, '[bot]\ntimezone = "Asia/Beijing"\n')
    assert main(["--config", config, "scheme", "list"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "第 2 行 [bot.timezone]: 未知的时区 “Asia/Beijing”" in captured.err


def test_argparse_speaks_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["member", "add", "--branch", "x", "张三"])
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith("用法: partybot member add")
    assert err.splitlines()[-1] == "partybot member add: 错误: 参数 --branch: “x” 不是有效的整数"
    with pytest.raises(SystemExit):
        main(["member", "role", "--branch", "1", "张三", "boss"])
    assert (
        "错误: 参数 role: “boss” 不是可选的值 (可选: 'secretary', 'recorder', 'committee')"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        main(["member", "add", "张三"])
    assert capsys.readouterr().err.splitlines()[-1] == "partybot member add: 错误: 缺少必填参数: --branch"
    with pytest.raises(SystemExit):
        main(["branch", "add", "-h"])
    out = capsys.readouterr().out
    assert "选项:" in out and "显示本帮助并退出" in out and "usage" not in out and "options" not in out


def test_argparse_in_english_with_lang_en(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "en", "member", "add", "--branch", "x", "张三"])
    assert (
        capsys.readouterr().err.splitlines()[-1]
        == "partybot member add: error: argument --branch: invalid int value: 'x'"
    )
    set_locale("zh-CN")


def test_a_reader_that_stops_early_gets_no_traceback():
    """``partybot score ... | head``: the pipe closes before the table is written; the command ends quietly."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "score", "--scheme", "twelve-point",
         "--input", str(root / "examples" / "twelve-point.json"), "--format", "table"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err
