"""Runs one function's handler the way the Lambda python3.12 runtime does, from the built bundle only.

Started by tests/bundle/test_built_bundle.py as `python3.12 -I -S lambda_runner.py TASK LAYER RUNTIME
EVENTS OUT`: -I -S keep every site-packages directory and PYTHON* variable out, so the only code on the
path is the function's directory (/var/task), the layer (/opt/python) and a runtime-like boto3
(/var/runtime), in Lambda's order. Imports `handler`, then calls `handler.handler` once per event and
writes the results (or the error) as JSON. Standard library only until the bundle is on the path.
"""

import json
import sys
import time
import traceback
import uuid


class Context:
    def __init__(self, name, memory_mb, timeout_s):
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "bundle-test"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main():
    task, layer, runtime, events_file, out_file, name, memory, timeout = sys.argv[1:9]
    sys.path[:0] = [task, layer, runtime]
    result: dict = {"sys_path": list(sys.path)}
    try:
        started = time.monotonic()
        import handler

        result["import_s"] = time.monotonic() - started
        result["modules"] = sorted({m.split(".")[0] for m in sys.modules})
        result["files"] = sorted(
            {
                str(getattr(m, "__file__", "") or "")
                for m in list(sys.modules.values())
                if getattr(m, "__file__", None) and m.__file__ != __file__  # not this runner
            }
        )
        with open(events_file, encoding="utf-8") as f:
            events = json.load(f)
        result["responses"] = [
            handler.handler(event, Context(name, int(memory), int(timeout))) for event in events
        ]
    except BaseException as exc:  # report everything: the test shows it
        result["error"] = "".join(traceback.format_exception(exc))
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
