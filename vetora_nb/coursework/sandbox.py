"""Where a submission's code runs: a fresh, closed room per kernel.

Every run of a submission gets its own temporary folder holding only what
the notebook needs — its notebook, ``data/`` and the course's own modules —
and a kernel that imports a **read-only copy** of ``vetora_nb``, never the
instructor's checkout. With `bubblewrap <https://github.com/containers/bubblewrap>`_
(Debian's ``bubblewrap``) the kernel also runs in a sandbox:

- it sees read-only binds of the system (``/usr``, ``/etc``), of the Python
  installation and of the package copy, a private ``/tmp`` and home, and
  its own folder read-write; nothing else of the machine (the instructor
  source, the grades, the course secret, other students) exists for it;
- no network (``--unshare-net``); it talks to the grader through Unix
  sockets in its folder, which work across network namespaces;
- its own process namespace, so every process it starts, detached or not,
  ends with it (``--unshare-pid``, ``--die-with-parent``), and the grader
  checks that the namespace is empty before the grade is written;
- when grading runs as root, the kernel runs as the unprivileged ``nobody``.

Where bubblewrap is missing or the machine forbids the namespaces it
needs, :func:`detect` says so (its warnings are printed loudly by the
command line) and grading falls back to the rest: the temporary folder, the
read-only copy, ``nobody`` when root (if it can run Python), and a
process reaper — the grading process becomes a *child subreaper*, so a
detached process is re-parented to it and killed with the kernel. There is
then no network isolation and no protection of the files the kernel's user
may write.
"""

from __future__ import annotations

import compileall
import ctypes
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import workers

__all__ = ["Isolation", "detect", "Sandbox", "Room", "NOBODY"]

#: The unprivileged user a kernel runs as when the grader is root.
NOBODY = 65534

_PR_SET_CHILD_SUBREAPER = 36


@dataclass
class Isolation:
    """How kernels are isolated on this machine: ``mode`` is ``'bwrap'`` or ``'none'``."""

    mode: str
    uid: int | None = None            # the kernel's user, when not the grader's own
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        who = f"as uid {self.uid}" if self.uid is not None else f"as uid {os.geteuid()} (the grader's user)"
        if self.mode == "bwrap":
            return f"sandboxed with bubblewrap (no network, own processes, read-only system), {who}"
        return f"NOT sandboxed: a temporary folder and a read-only package copy only, {who}"


def _python_roots() -> list[Path]:
    """Folders the interpreter and its packages live in (the virtualenv and its base)."""
    roots = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    roots.add(Path(sys.executable).resolve().parent.parent)
    return sorted(roots)


def _readable_by(uid: int, path: Path) -> bool:
    """Whether ``uid`` (not in the owner's group) can read ``path`` and traverse to it."""
    for part in [*reversed(path.parents), path]:
        try:
            st = part.stat()
        except OSError:
            return False
        need = stat.S_IXOTH if part != path or part.is_dir() else stat.S_IROTH
        if st.st_uid != uid and not st.st_mode & need:
            return False
    return True


class Sandbox:
    """One grading batch's sandboxing: the package copy, and a :class:`Room` per run."""

    def __init__(self, isolation: Isolation | None = None, *, package: Path | None = None):
        import vetora_nb

        self.isolation = isolation or detect()
        self.root = Path(tempfile.mkdtemp(prefix="vetora-grading-"))
        os.chmod(self.root, 0o755)
        self.package_src = Path(package or Path(vetora_nb.__file__).parent).resolve()
        # The package ships its data inside it; a run's folder gets a copy, as a student edition has.
        self.data_src = self.package_src / "data" if (self.package_src / "data").is_dir() else None
        self.package_root = self._copy_package(self.root / "pkg")

    # -- the package copy -------------------------------------------------------------
    def _copy_package(self, target: Path) -> Path:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
        shutil.copytree(self.package_src, target / "vetora_nb", ignore=ignore)
        compileall.compile_dir(target / "vetora_nb", quiet=1)
        _read_only(target)
        return target

    # -- one run --------------------------------------------------------------------------
    def room(self, notebook_name: str, notebook_text: str, course_files=()) -> "Room":
        """A fresh folder for one run: the notebook, ``data/`` and the course's own modules."""
        if self.isolation.mode != "bwrap":
            _become_subreaper()
        path = Path(tempfile.mkdtemp(prefix="r", dir=self.root))
        path.chmod(0o755)
        work, home, ipc = path / "work", path / "home", path / "ipc"
        for folder in (work, home, ipc, path / "tmp"):
            folder.mkdir(parents=True)
        (work / notebook_name).write_text(notebook_text, encoding="utf-8")
        if self.data_src is not None:
            shutil.copytree(self.data_src, work / "data")
        for module in course_files:
            shutil.copy(module, work / Path(module).name)
        _seed_matplotlib(home / ".matplotlib")
        package = self.package_root
        if self.isolation.mode != "bwrap" and self.isolation.uid is None:
            # the kernel's own user could make a shared copy writable again: one copy per run
            package = self._copy_package(path / "pkg")
        uid = self.isolation.uid
        if uid is not None:
            for folder in (path, work, home, ipc, path / "tmp"):
                os.chown(folder, uid, uid)
            for item in [*work.rglob("*"), *home.rglob("*")]:
                os.chown(item, uid, uid, follow_symlinks=False)
        return Room(self.isolation, path, work, home, ipc, package)

    def close(self) -> None:
        _writable(self.root)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class Room:
    """One run's folder and the kernel command and environment that go with it."""

    isolation: Isolation
    path: Path
    work: Path
    home: Path
    ipc: Path
    package: Path
    pid: int | None = None
    namespace: str | None = None
    before: set = field(default_factory=set)

    def env(self, extra: dict[str, str]) -> dict[str, str]:
        """The kernel's whole environment: nothing of the grader's but what it needs."""
        bindir = str(Path(sys.executable).parent)
        env = {
            "PATH": os.pathsep.join([bindir, "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(self.home),
            "TMPDIR": "/tmp" if self.isolation.mode == "bwrap" else str(self.path / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(self.package),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "IPYTHONDIR": str(self.home / ".ipython"),
            "JUPYTER_CONFIG_DIR": str(self.home / ".jupyter"),
            "JUPYTER_RUNTIME_DIR": str(self.home / ".runtime"),
            "MPLCONFIGDIR": str(self.home / ".matplotlib"),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            # panels make their runs in the kernel: a graded notebook needs no
            # worker pool, and its processes would be counted as the student's
            workers.SWITCH: "0",
        }
        env.update(extra)
        return env

    def wrap(self, command: list[str]) -> list[str]:
        """``command`` (the kernel's) as this room runs it."""
        drop = []
        if self.isolation.uid is not None:
            uid = str(self.isolation.uid)
            drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--"]
        if self.isolation.mode != "bwrap":
            return drop + command
        return _bwrap_args(self) + ["--"] + drop + command

    def kernel_manager(self):
        """A jupyter_client kernel manager that starts its kernel in this room, over Unix sockets."""
        from jupyter_client import AsyncKernelManager

        room = self

        class RoomKernelManager(AsyncKernelManager):
            def format_kernel_cmd(self, extra_arguments=None):
                command = super().format_kernel_cmd(extra_arguments)
                if room.isolation.uid is not None:
                    os.chown(self.connection_file, room.isolation.uid, room.isolation.uid)
                room.before = _descendants(os.getpid())
                return room.wrap(command)

        return RoomKernelManager(kernel_name="python3", transport="ipc", ip=str(self.ipc / "k"),
                                 connection_file=str(self.ipc / "kernel.json"))

    def started(self, pid: int | None) -> None:
        """Note the kernel's process (the sandbox's outer process) once it runs."""
        self.pid = pid
        if pid is not None and self.isolation.mode == "bwrap":
            for child in _children(pid):
                self.namespace = _pid_namespace(child) or self.namespace

    def _processes(self) -> set[int]:
        if self.isolation.mode == "bwrap":
            found = _in_namespace(self.namespace) if self.namespace else set()
        else:
            found = _descendants(os.getpid()) - self.before
        found.discard(os.getpid())
        return found

    def strays(self) -> int:
        """How many processes the run has besides its kernel (and the sandbox's init), while it runs."""
        connection = str(self.ipc / "kernel.json")
        count = 0
        for pid in self._processes():
            if _zombie(pid) or pid == self.pid:
                continue
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if connection.encode() in command or (command and command[0].endswith(b"bwrap")):
                continue
            count += 1
        return count

    def reap(self, timeout: float = 15.0) -> None:
        """Kill whatever the run left behind and wait until nothing of it is alive."""
        deadline = time.monotonic() + timeout
        while True:
            left = self._processes()
            alive = {pid for pid in left if not _zombie(pid)}
            for pid in left - alive:
                _reap_zombie(pid)
            if not alive:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes {sorted(alive)} of a graded kernel would not die")
            for pid in alive:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            time.sleep(0.05)


# -- detection --------------------------------------------------------------------------

def detect(prefer: str = "auto") -> Isolation:
    """What this machine allows: bubblewrap if it works here (``prefer='none'``: do without).

    Runs a tiny kernel-like command in the sandbox once to find out.
    """
    if prefer not in ("auto", "bwrap", "none"):
        raise ValueError(f"sandbox must be 'auto', 'bwrap' or 'none', got {prefer!r}")
    root = os.geteuid() == 0
    warnings = []
    if prefer != "none":
        reason = _probe_bwrap(NOBODY if root else None)
        if reason is None:
            return Isolation("bwrap", NOBODY if root else None)
        if prefer == "bwrap":
            raise RuntimeError(f"sandbox: bubblewrap cannot be used here: {reason}")
        warnings.append(f"no sandbox: {reason}. Student code runs with the network, may read every "
                        "file its user can, and (same user) write them")
    else:
        warnings.append("no sandbox (asked for): student code runs with the network and may read every "
                        "file its user can")
    uid = None
    if root:
        python = Path(sys.executable).resolve()
        if all(_readable_by(NOBODY, p) for p in (python, *_python_roots())):
            uid = NOBODY
        else:
            warnings.append(f"student code runs as ROOT: user nobody cannot read the Python at {python}")
    return Isolation("none", uid, warnings)


def _probe_bwrap(uid: int | None) -> str | None:
    """None if a sandboxed Python starts here, else why not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    if shutil.which("setpriv") is None and uid is not None:
        return "setpriv (util-linux) is not installed"
    probe = Isolation("bwrap", uid)
    with tempfile.TemporaryDirectory(prefix="vetora-probe-") as folder:
        path = Path(folder)
        os.chmod(path, 0o755)
        work = path / "work"
        work.mkdir()
        if uid is not None:
            os.chown(work, uid, uid)
        room = Room(probe, path=path, work=work, home=work, ipc=work, package=path)
        command = room.wrap([sys.executable, "-c", "import socket, os; os.listdir('.')"])
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                  env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"bubblewrap did not run ({err})"
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bubblewrap cannot create its namespaces here ({detail})"
    return None


def _bwrap_args(room: Room) -> list[str]:
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if os.geteuid() != 0:
        args.append("--unshare-user")
    bound: list[Path] = []

    def parents(path: Path):
        for parent in reversed(path.parents):
            if parent == Path("/") or any(parent == b or b in parent.parents for b in bound):
                continue
            if str(parent) in made:
                continue
            made.add(str(parent))
            args.extend(["--perms", "0755", "--dir", str(parent)])

    made: set[str] = set()
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"):
        path = Path(top)
        if path.is_symlink():
            args.extend(["--symlink", os.readlink(path), top])
        elif path.exists():
            args.extend(["--ro-bind", top, top])
            bound.append(path)
    args.extend(["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"])
    made.add("/tmp")
    for path in [*_python_roots(), room.package.resolve()]:
        if any(path == b or b in path.parents for b in bound):
            continue
        parents(path)
        args.extend(["--ro-bind", str(path), str(path)])
        bound.append(path)
    parents(room.path)
    args.extend(["--bind", str(room.path), str(room.path), "--chdir", str(room.work)])
    return args


# -- processes --------------------------------------------------------------------------

def _become_subreaper() -> None:
    """Orphaned descendants are re-parented to this process, not to init (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _children(pid: int) -> set[int]:
    return {p for p in _all_pids() if (fields := _stat(p)) and int(fields[1]) == pid}


def _descendants(pid: int) -> set[int]:
    parent_of = {}
    for p in _all_pids():
        fields = _stat(p)
        if fields:
            parent_of[p] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parent_of.items() if parent in frontier} - found
        found |= frontier
    return found


def _zombie(pid: int) -> bool:
    fields = _stat(pid)
    return fields is None or fields[0] in ("Z", "X")


def _reap_zombie(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _pid_namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def _in_namespace(namespace: str) -> set[int]:
    return {p for p in _all_pids() if _pid_namespace(p) == namespace}


# -- files --------------------------------------------------------------------------------

def _read_only(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    root.chmod(0o555)


def _writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        try:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        except OSError:
            pass


def _seed_matplotlib(folder: Path) -> None:
    """Give the kernel matplotlib's font cache, so that it does not rebuild it in every run."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib

        cache = Path(matplotlib.get_cachedir())
    except Exception:  # noqa: BLE001 - no matplotlib, no cache to give
        return
    for font_list in cache.glob("fontlist-*.json"):
        shutil.copy(font_list, folder / font_list.name)
