"""Command line: ``python -m vetora_nb.coursework {student,grade,check,lab} ...``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import AuthoringError, build_student_edition, check_sources, grade_submissions


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vetora_nb.coursework",
        description="Student edition and autograding of the vetora_nb notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("student", help="write the student edition of instructor notebooks")
    p.add_argument("source", nargs="+", help="instructor notebooks or folders of them (notebooks/)")
    p.add_argument("out", help="folder to write the student edition into, emptied first (build/student/)")
    p.add_argument("--course-seed", type=int, default=0,
                   help="the course seed, quoted in the students' README (default 0)")
    p.add_argument("--wheel", action="store_true", help="also build the package's wheel into the folder")
    p.add_argument("--zip", metavar="PATH", help="also pack the folder into this zip, to hand out")

    p = sub.add_parser("grade", help="grade a folder of submissions, one folder per student")
    p.add_argument("submissions", help="folder holding <student_id>/<notebook>.ipynb")
    p.add_argument("--source", default="notebooks/", help="the instructor notebooks (default notebooks/)")
    p.add_argument("--out", default="grades/", help="where the grades, gradebooks and feedback go (default grades/)")
    p.add_argument("--course-seed", type=int, default=0,
                   help="VETORA_COURSE_SEED for every student's variant (default 0)")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds one run of a notebook may take before its kernel is stopped (default 300)")
    p.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (default 1)")
    p.add_argument("--secret-file", default=None,
                   help="the course secret behind the hidden variants (default .course_secret, made if missing; "
                        "VETORA_COURSE_SECRET overrides)")
    p.add_argument("--no-hidden", action="store_true", help="skip the second run under a hidden variant")
    p.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default="auto",
                   help="auto: bubblewrap where it works, else a loud fallback; bwrap: fail without it")

    p = sub.add_parser("check", help="check instructor notebooks against the exercise conventions")
    p.add_argument("source", help="an instructor notebook, or a folder of them")

    p = sub.add_parser("lab", help="the student edition, rebuilt if stale, copied into a workspace")
    p.add_argument("source", help="the instructor notebooks (notebooks/)")
    p.add_argument("edition", help="the student edition's folder (build/student/)")
    p.add_argument("workspace", help="the learner's own copies, never overwritten once changed (my_notebooks/)")
    return parser


def _warn(message: str) -> None:
    print(f"WARNING: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "student":
            written = build_student_edition(args.source, args.out, course_seed=args.course_seed,
                                            wheel=args.wheel)
            for path in written:
                print(f"wrote {path}")
            extra = " and the package's wheel" if args.wheel else ""
            print(f"student edition: {len(written)} notebook(s), README.md{extra} in {args.out}")
            if args.zip:
                from .bundle import build_zip

                print(f"wrote {build_zip(args.out, args.zip)}")
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
        if args.command == "lab":
            from .student import edition_is_current
            from .workspace import sync_workspace

            if edition_is_current(args.source, args.edition):
                print(f"student edition in {args.edition} is up to date")
            else:
                written = build_student_edition(args.source, args.edition)
                print(f"built the student edition of {len(written)} notebook(s) in {args.edition}")
            for line in sync_workspace(args.edition, args.workspace):
                print(line)
            return 0
        from .secret import load_secret

        secret = None
        if not args.no_hidden:
            secret, created = load_secret(args.secret_file)
            if created:
                print(created)
        started = time.monotonic()
        result = grade_submissions(args.submissions, args.source, args.out,
                                   course_seed=args.course_seed, timeout=args.timeout,
                                   jobs=args.jobs, secret=secret, sandbox=args.sandbox)
    except (AuthoringError, FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for warning in result.warnings:
        _warn(warning)
    if result.isolation is not None:
        print(f"kernels ran {result.isolation.describe()}")
    students = len({g.student for g in result.grades} | set(result.student_notes))
    print(f"graded {len(result.grades)} notebook(s) of {students} student(s) in "
          f"{time.monotonic() - started:.1f} s")
    out = Path(args.out)
    print(f"wrote {out / 'grades.csv'}, {out / 'gradebook.csv'}, {out / 'canvas.csv'} and "
          f"{out / 'feedback'}/<student>.md")
    if result.grader_errors:
        print(f"{len(result.grader_errors)} notebook(s) could not be graded; see their feedback",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
