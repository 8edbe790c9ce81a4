# ruff: noqa: E501  (the C source keeps its own line lengths)
"""The sandbox launcher in C: the same job and protocol as `launcher.py`, without an interpreter's start-up.

Starting Python for every case costs 10-20 ms (far more on a loaded machine); the C launcher costs about
1 ms. It is compiled once with the system's C compiler into a private cache folder; where there is no
compiler, or it fails, the judge uses `launcher.py`. `OCR_SANDBOX_LAUNCHER=python` forces the latter.

Protocol (argv): status_fd namespaces(0|1) uid gid cwd box_bytes cpu fsize nofile nproc as stack
nbinds (src dst)* nenv (K=V)* program-argv...; uid/gid/as/stack are -1 for "none". One JSON line goes
to status_fd (see `launcher.py`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

C_SOURCE = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int status_fd = -1;
static char ro_failed[4096] = "";

static void json_text(char *out, size_t size, const char *text) {
    size_t n = 0;
    for (; *text && n + 2 < size; text++) out[n++] = (*text == '"' || *text == '\\' || *text < ' ') ? '?' : *text;
    out[n] = 0;
}

static void fail(const char *what, const char *detail) {
    char a[512], b[512];
    json_text(a, sizeof a, what);
    json_text(b, sizeof b, detail ? detail : "");
    dprintf(status_fd, "{\"error\": \"%s %s: %s\"}\n", a, b, strerror(errno));
}

static void unescape(char *s) {
    char *w = s;
    for (char *r = s; *r; ) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 4;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
}

static void remount_all_read_only(void) {
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f) { strcat(ro_failed, "\"/proc/self/mountinfo\""); return; }
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        char *fields[6] = {0};
        char *save = NULL, *tok = strtok_r(line, " ", &save);
        for (int i = 0; tok && i < 6; i++, tok = strtok_r(NULL, " ", &save)) fields[i] = tok;
        if (!fields[5]) continue;
        unescape(fields[4]);
        unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
        char *osave = NULL;
        for (char *o = strtok_r(fields[5], ",", &osave); o; o = strtok_r(NULL, ",", &osave)) {
            if (!strcmp(o, "nosuid")) flags |= MS_NOSUID;
            else if (!strcmp(o, "nodev")) flags |= MS_NODEV;
            else if (!strcmp(o, "noexec")) flags |= MS_NOEXEC;
            else if (!strcmp(o, "noatime")) flags |= MS_NOATIME;
            else if (!strcmp(o, "nodiratime")) flags |= MS_NODIRATIME;
            else if (!strcmp(o, "relatime")) flags |= MS_RELATIME;
            else if (!strcmp(o, "strictatime")) flags |= MS_STRICTATIME;
        }
        if (mount(NULL, fields[4], NULL, flags, NULL) != 0) {
            char name[512];
            json_text(name, sizeof name, fields[4]);
            if (strlen(ro_failed) + strlen(name) + 4 < sizeof ro_failed) {
                if (ro_failed[0]) strcat(ro_failed, ", ");
                strcat(ro_failed, "\""); strcat(ro_failed, name); strcat(ro_failed, "\"");
            }
        }
    }
    fclose(f);
}

static void set_limit(int resource, long long value, long long hard_extra) {
    if (value < 0) return;
    struct rlimit r = {(rlim_t)value, (rlim_t)(value + hard_extra)};
    if (setrlimit(resource, &r) != 0) { fail("setrlimit", NULL); _exit(127); }
}

struct config {
    int namespaces; long long uid, gid, box_bytes, cpu, fsize, nofile, nproc, as, stack;
    const char *cwd; int nbinds; char **binds; int nenv; char **env; char **argv;
};

static void exec_program(struct config *c) {
    fcntl(status_fd, F_SETFD, FD_CLOEXEC);
    if (chdir(c->cwd) != 0) { fail("chdir", c->cwd); _exit(127); }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    set_limit(RLIMIT_CPU, c->cpu, 1);
    set_limit(RLIMIT_FSIZE, c->fsize, 0);
    set_limit(RLIMIT_NOFILE, c->nofile, 0);
    set_limit(RLIMIT_NPROC, c->nproc, 0);
    set_limit(RLIMIT_CORE, 0, 0);
    set_limit(RLIMIT_AS, c->as, 0);
    set_limit(RLIMIT_STACK, c->stack, 0);
    if (c->uid >= 0) {
        if (setgroups(0, NULL) != 0 || setgid((gid_t)c->gid) != 0 || setuid((uid_t)c->uid) != 0) {
            fail("drop privileges", NULL); _exit(127);
        }
    }
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
    char **envp = calloc((size_t)c->nenv + 1, sizeof(char *));
    for (int i = 0; i < c->nenv; i++) envp[i] = c->env[i];
    execve(c->argv[0], c->argv, envp);
    fail("exec failed:", c->argv[0]);
    _exit(127);
}

static void supervise(struct config *c, int in_namespace) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t child = fork();
    if (child < 0) { fail("fork", NULL); return; }
    if (child == 0) exec_program(c);
    int st = 0, status = 0;
    for (;;) {
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) break;
        if (pid == child) { status = st; break; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    double cpu = u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    char code[32] = "null", sig[32] = "null";
    if (WIFEXITED(status)) snprintf(code, sizeof code, "%d", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) snprintf(sig, sizeof sig, "%d", WTERMSIG(status));
    dprintf(status_fd, "{\"exit\": %s, \"signal\": %s, \"cpu_s\": %.6f, \"wall_s\": %.6f, \"maxrss_kb\": %ld%s%s%s}\n",
            code, sig, cpu, wall, u.ru_maxrss, in_namespace ? ", \"ro_failed\": [" : "",
            in_namespace ? ro_failed : "", in_namespace ? "]" : "");
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void namespace_init(struct config *c) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) { fail("mount", "/ private"); return; }
    for (int i = 0; i < c->nbinds; i++)
        if (mount(c->binds[2 * i], c->binds[2 * i + 1], NULL, MS_BIND | MS_REC, NULL) != 0) {
            fail("bind", c->binds[2 * i + 1]); return;
        }
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    remount_all_read_only();
    char data[64];
    snprintf(data, sizeof data, "size=%lld,mode=0777", c->box_bytes);
    if (mount("tmpfs", c->cwd, "tmpfs", MS_NOSUID | MS_NODEV, data) != 0) { fail("mount tmpfs", c->cwd); return; }
    supervise(c, 1);
}

int main(int argc, char **argv) {
    if (argc < 16) return 2;
    struct config c;
    int i = 1;
    status_fd = atoi(argv[i++]);
    c.namespaces = atoi(argv[i++]);
    c.uid = atoll(argv[i++]); c.gid = atoll(argv[i++]);
    c.cwd = argv[i++];
    c.box_bytes = atoll(argv[i++]); c.cpu = atoll(argv[i++]); c.fsize = atoll(argv[i++]);
    c.nofile = atoll(argv[i++]); c.nproc = atoll(argv[i++]); c.as = atoll(argv[i++]); c.stack = atoll(argv[i++]);
    c.nbinds = atoi(argv[i++]); c.binds = argv + i; i += 2 * c.nbinds;
    if (i >= argc) return 2;
    c.nenv = atoi(argv[i++]); c.env = argv + i; i += c.nenv;
    if (i >= argc) return 2;
    c.argv = argv + i;
    if (!c.namespaces) { supervise(&c, 0); return 0; }
    uid_t uid = getuid(); gid_t gid = getgid();
    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | (uid != 0 ? CLONE_NEWUSER : 0);
    if (unshare(flags) != 0) { fail("unshare", NULL); return 0; }
    if (uid != 0) {
        char map[64];
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        if (write_file("/proc/self/uid_map", map) != 0) { fail("uid_map", NULL); return 0; }
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        if (write_file("/proc/self/gid_map", map) != 0) { fail("gid_map", NULL); return 0; }
    }
    pid_t child = fork();
    if (child < 0) { fail("fork", NULL); return 0; }
    if (child == 0) { namespace_init(&c); _exit(0); }
    int st;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR) {}
    return 0;
}
"""

COMPILERS = ("cc", "gcc", "clang")


def _private_cache() -> Path:
    """A folder only we can write (the launcher runs as us, possibly root: no one else may plant it)."""
    uid = os.getuid()
    folder = Path(tempfile.gettempdir()) / f"ocr-launcher-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        if stat.S_ISDIR(info.st_mode) and info.st_uid == uid and not info.st_mode & 0o077:
            return folder
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="ocr-launcher-"))


@functools.lru_cache(maxsize=1)
def native_launcher() -> Path | None:
    """The compiled launcher, building it on first use; None when it cannot be built or is disabled."""
    if os.environ.get("OCR_SANDBOX_LAUNCHER", "").lower() == "python":
        return None
    compiler = next((found for name in COMPILERS if (found := shutil.which(name))), None)
    if compiler is None:
        return None
    key = hashlib.sha256((C_SOURCE + compiler).encode()).hexdigest()[:16]
    folder = _private_cache()
    target = folder / f"launcher-{key}"
    if target.exists():
        return target
    source = folder / f"launcher-{key}-{os.getpid()}.c"
    partial = folder / f"launcher-{key}-{os.getpid()}.tmp"
    try:
        source.write_text(C_SOURCE)
        done = subprocess.run([compiler, "-O2", "-std=gnu11", "-o", str(partial), str(source)],
                              capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            return None
        os.replace(partial, target)
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        source.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return target
