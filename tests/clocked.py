"""Run a command-line program under the suite's clock: `python -m tests.clocked celery -A ... worker`.

The tests start a real Celery worker; it must see the same "today" as the test that sends it work.
"""

import runpy
import sys

from tests import clock

if __name__ == "__main__":
    clock.start()
    program, *arguments = sys.argv[1:]
    sys.argv = [program, *arguments]
    if program == "celery":
        from celery.__main__ import main

        sys.exit(main())
    runpy.run_module(program, run_name="__main__", alter_sys=True)
