"""``python -m scalinglab.book.workshop check | student [--out DIR] | frames``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``make check`` and ``make student``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m scalinglab.book.workshop", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="is this machine ready for the workshop?")
    st = sub.add_parser("student", help="write solution-free student notebooks and the self-check table")
    st.add_argument("--out", type=Path, default=None, help="output folder (default: student/)")
    sub.add_parser("frames", help="insert the lesson-frame directives into every chapter notebook (idempotent)")
    args = parser.parse_args(argv)
    if args.command == "check":
        from scalinglab.book.workshop.setup_check import main as check_main

        return check_main()
    if args.command == "frames":
        from scalinglab.book.workshop.lessons import insert_frames, load_lessons
        from scalinglab.paths import chapter_notebook

        for slug in load_lessons():
            if chapter_notebook(slug).exists() and insert_frames(chapter_notebook(slug), slug):
                print(f"lesson frame -> {chapter_notebook(slug)}")
        return 0
    from scalinglab.book.workshop.student import STUDENT_DIR, write_student

    for path in write_student(args.out or STUDENT_DIR):
        print(f"student notebook -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
