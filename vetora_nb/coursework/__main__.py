"""Command line: ``python -m vetora_nb.coursework {student,grade,check} ...``."""

from __future__ import annotations

import argparse
import sys
import time

from . import AuthoringError, build_student_edition, check_sources, grade_submissions


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vetora_nb.coursework",
        description="Student edition and autograding of the vetora_nb notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("student", help="write the student edition of instructor notebooks")
    p.add_argument("source", help="an instructor notebook, or a folder of them (notebooks/)")
    p.add_argument("out", help="folder to write the student edition into (build/student/)")
    p.add_argument("--course-seed", type=int, default=0,
                   help="the course seed, quoted in the students' README (default 0)")

    p = sub.add_parser("grade", help="grade a folder of submissions, one folder per student")
    p.add_argument("submissions", help="folder holding <student_id>/<notebook>.ipynb")
    p.add_argument("--source", default="notebooks/", help="the instructor notebooks (default notebooks/)")
    p.add_argument("--out", default="grades/", help="where grades.csv and feedback/ go (default grades/)")
    p.add_argument("--course-seed", type=int, default=0,
                   help="VETORA_COURSE_SEED for every student's variant (default 0)")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds one notebook may run before its kernel is stopped (default 300)")
    p.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (default 1)")

    p = sub.add_parser("check", help="check instructor notebooks against the exercise conventions")
    p.add_argument("source", help="an instructor notebook, or a folder of them")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "student":
            written = build_student_edition(args.source, args.out, course_seed=args.course_seed)
            for path in written:
                print(f"wrote {path}")
            print(f"student edition: {len(written)} notebook(s) and README.md in {args.out}")
            return 0
        if args.command == "check":
            report = check_sources(args.source)
            bad = 0
            for name, found in report.items():
                print(f"{name}: {'ok' if not found else f'{len(found)} problem(s)'}")
                for problem in found:
                    print(f"  {problem}")
                bad += bool(found)
            return 1 if bad else 0
        started = time.monotonic()
        result = grade_submissions(args.submissions, args.source, args.out,
                                   course_seed=args.course_seed, timeout=args.timeout,
                                   jobs=args.jobs)
    except (AuthoringError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for warning in result.warnings:
        print(f"warning: {warning}")
    students = len({g.student for g in result.grades} | set(result.student_notes))
    print(f"graded {len(result.grades)} notebook(s) of {students} student(s) in "
          f"{time.monotonic() - started:.1f} s")
    print(f"wrote {result.csv_path} and {result.feedback_dir}/<student>.md")
    if result.grader_errors:
        print(f"{len(result.grader_errors)} notebook(s) could not be graded; see their feedback",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
