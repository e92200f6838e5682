"""``python -m jsrun``: arguments, output, exit codes, errors (run as a subprocess)."""

import os
import subprocess
import sys
import tempfile

from harness import case


def run_cli(*args, cwd=None):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "jsrun", *args],
        capture_output=True, text=True, timeout=60, cwd=cwd, env=env,
    )
    lines = proc.stderr.splitlines()
    first = lines[0] if lines else ""
    if first.startswith("usage: "):
        # argparse: the usage line lists our extra options too; the error line is compared.
        return {"exit": proc.returncode, "stdout": proc.stdout, "usage": first.split(" [")[0],
                "stderr_last": lines[-1]}
    return {"exit": proc.returncode, "stdout": proc.stdout, "stderr_first": first}


def first_part(record, sep=":", parts=1):
    """Keeps the jsrun part of the first stderr line (the engine's error texts differ)."""
    record["stderr_first"] = sep.join(record["stderr_first"].split(sep)[:parts])
    return record


@case
def command_number(js):
    return run_cli("-c", "1 + 2")


@case
def command_long_option(js):
    return run_cli("--command", "'a' + 'b'")


@case
def command_undefined(js):
    return run_cli("-c", "undefined")


@case
def command_null(js):
    return run_cli("-c", "null")


@case
def command_values(js):
    return {
        "bool": run_cli("-c", "true")["stdout"],
        "float": run_cli("-c", "1.5")["stdout"],
        "list": run_cli("-c", "[1, 'x', null]")["stdout"],
        "object": run_cli("-c", "({a: 1, b: [true]})")["stdout"],
    }


@case
def command_throws(js):
    return run_cli("-c", "throw new Error('cli boom')")


@case
def command_throws_type(js):
    return first_part(run_cli("-c", "null.x"), parts=2)


@case
def command_syntax_error(js):
    return first_part(run_cli("-c", "1 +"), parts=2)


@case
def no_arguments(js):
    return run_cli()


@case
def both_command_and_file(js):
    return run_cli("-c", "1", "file.js")


@case
def help_option(js):
    record = run_cli("--help")
    out = record["stdout"]
    lines = out.splitlines()
    # (argparse's layout differs between Python versions: the options are compared, not
    # the lines; our extra options are not recorded.)
    record["stdout"] = {
        "usage": lines[0].split(" [")[0],
        "description": lines[lines.index("") + 1] if "" in lines else None,
        "file": [line.split(None, 1) for line in lines if line.startswith("  file")],
        "options": ["-h" in out, "--help" in out, "-c" in out, "--command COMMAND" in out],
    }
    return record


@case
def unknown_option(js):
    return run_cli("--nope")


@case
def file_runs(js):
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "prog.js"), "w", encoding="utf-8") as f:
            f.write("const x = 6;\nx * 7\n")
        return run_cli("prog.js", cwd=tmp)


@case
def file_missing(js):
    with tempfile.TemporaryDirectory() as tmp:
        return run_cli("absent.js", cwd=tmp)


@case
def file_throws(js):
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "bad.js"), "w", encoding="utf-8") as f:
            f.write("throw new RangeError('from file');\n")
        return run_cli("bad.js", cwd=tmp)


@case
def file_undefined_result(js):
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "quiet.js"), "w", encoding="utf-8") as f:
            f.write("let y = 1;\n")
        return run_cli("quiet.js", cwd=tmp)


@case
def file_is_directory(js):
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "dir.js"))
        return first_part(run_cli("dir.js", cwd=tmp))


@case
def command_promise(js):
    return run_cli("-c", "Promise.resolve(3)")


@case
def command_console_log(js):
    return run_cli("-c", "typeof console")
