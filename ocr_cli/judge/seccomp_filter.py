"""The system-call filter of the sandbox, generated with libseccomp (through `pyseccomp`).

pyseccomp is a ctypes binding of the system's libseccomp (API-compatible with libseccomp's own Python
bindings, no compiler or headers needed); libseccomp does the hard parts (syscall numbers per
architecture, the architecture check, BPF generation). The filter is exported once as BPF into the
launcher's private folder; the launcher loads it into each program just before `exec`. Denied calls
fail with EPERM (so does `clone` with a namespace flag); calls from another architecture's ABI
(32-bit `int 0x80` on x86-64) kill the process.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import tempfile
from pathlib import Path

from ocr_cli.judge.native_launcher import private_cache

#: What no competition program needs and what a program escaping a sandbox would use.
DENIED = (
    "mount", "umount", "umount2", "pivot_root", "chroot", "unshare", "setns", "clone3",
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "open_by_handle_at", "name_to_handle_at", "mount_setattr", "move_mount", "open_tree",
    "fsopen", "fsconfig", "fsmount", "fspick", "swapon", "swapoff", "reboot", "acct",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "syslog", "quotactl",
    "iopl", "ioperm", "lookup_dcookie", "vhangup", "personality", "uselib", "nfsservctl",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
)


#: clone(2) flags that create namespaces: CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)


def seccomp_unavailable_reason() -> str:
    """Why no filter can be built here ("" when one can)."""
    try:
        import pyseccomp
    except ImportError:
        return "pyseccomp is not installed (pip install pyseccomp)"
    except OSError as exc:  # the binding loads libseccomp.so.2 when imported
        return f"libseccomp cannot be loaded: {exc}"
    try:
        pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    except Exception as exc:  # e.g. libseccomp.so.2 absent: the binding fails on first use
        return f"libseccomp is not usable here: {exc}"
    return ""


@functools.lru_cache(maxsize=1)
def seccomp_bpf() -> Path | None:
    """The filter as a BPF file (built once per libseccomp version); None where it cannot be built."""
    if seccomp_unavailable_reason():
        return None
    import pyseccomp

    try:
        flt = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
        for flag in NAMESPACE_FLAGS:  # clone into new namespaces (a user namespace gives capabilities)
            flag_set = pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag)
            flt.add_rule(pyseccomp.ERRNO(errno.EPERM), "clone", flag_set)
        for name in DENIED:
            # clone3's flags sit in memory, out of a filter's reach: ENOSYS makes libc fall back to clone.
            code = errno.ENOSYS if name == "clone3" else errno.EPERM
            try:
                flt.add_rule(pyseccomp.ERRNO(code), name)
            except (ValueError, RuntimeError, OSError):
                continue  # a call this kernel or architecture does not have
        folder = private_cache()
        with tempfile.TemporaryFile(dir=folder) as handle:
            flt.export_bpf(handle)
            handle.seek(0)
            program = handle.read()
        target = folder / f"seccomp-{hashlib.sha256(program).hexdigest()[:16]}.bpf"
        if not target.exists():
            partial = target.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(program)
            os.replace(partial, target)
        return target
    except (OSError, RuntimeError, ValueError, AttributeError):
        return None
