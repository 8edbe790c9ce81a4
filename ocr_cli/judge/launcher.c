/* ocr's sandbox launcher: sets a sandbox up once, then runs many programs in it.
 *
 * Built at run time by ocr_cli/judge/native_launcher.py with the system's C compiler; the protocol is
 * described there. In short: ocr starts `launcher OPTIONS` with one end of a SOCK_SEQPACKET socket pair
 * as --ctl FD. With --ns, the launcher enters new user (when not root), mount, PID, network, IPC and
 * UTS namespaces; its child, PID 1 of the new PID namespace (the "zygote"), builds a minimal root
 * (read-only binds of the system's runtime folders, a tiny /dev, /proc, empty /tmp and /box), pivots
 * into it, drops the old root and answers {"ready": ...}. Each request (a line of numbers, the argv,
 * and three descriptors: stdin, stdout, stderr) makes the zygote fork a supervisor which, for this
 * case only, enters new mount and PID namespaces, mounts fresh size-capped tmpfs on /box and /tmp and
 * a fresh /proc, forks the program with rlimits, no capabilities, no_new_privs and the seccomp filter,
 * enforces the wall deadline, drains stderr up to its cap, and answers one JSON line with the request
 * id. The program never holds the control socket or any status descriptor, and every process that
 * could reach them (zygote, supervisor, case init) is non-dumpable and holds capabilities the program
 * lacks, so /proc/PID/fd and ptrace are closed to it. Without --ns the same protocol runs in a
 * process group per case (rlimits only).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BINDS 64
#define MAX_ENV 64
#define MAX_ARGS 256
#define MAX_JOBS 64

static int ctl = -1;
static int namespaces = 0;
static long long run_uid = -1, run_gid = -1;
static const char *new_root = NULL, *box_parent = NULL, *bpf_path = NULL;
static int nbinds = 0;
static struct { const char *src, *dst; int rw; } binds[MAX_BINDS];
static int nenv = 0;
static char *env[MAX_ENV + 1];
static struct sock_fprog filter = {0, NULL};

/* ---------- small helpers ---------- */

static void json_text(char *out, size_t size, const char *text) {
    size_t n = 0;
    for (; *text && n + 2 < size; text++) out[n++] = (*text == '"' || *text == '\\' || (unsigned char)*text < ' ') ? '?' : *text;
    out[n] = 0;
}

static void send_line(const char *fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
    while (send(ctl, buf, (size_t)n, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
}

static void setup_error(const char *what, const char *detail) {
    char a[256], b[512];
    json_text(a, sizeof a, what);
    json_text(b, sizeof b, detail ? detail : "");
    send_line("{\"error\": \"sandbox setup failed: %s %s: %s\"}", a, b, strerror(errno));
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int mkdirs(const char *path, mode_t mode) {
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, mode) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) != 0 && errno != EEXIST) return -1;
    return 0;
}

static void close_from(int first) {
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0) return;
    for (int fd = first; fd < 4096; fd++) close(fd);
}

/* ---------- building the root (zygote, once) ---------- */

/* Make a bind mount read-only, nosuid and nodev, keeping the flags the kernel locks in a user
 * namespace (atime, noexec): mount_setattr where the kernel has it (recursive), else a remount. */
static int make_read_only(const char *target) {
    struct { unsigned long long set, clr, propagation, userns_fd; } attr = {0x1 | 0x2 | 0x4, 0, 0, 0};
    if (syscall(442 /* mount_setattr */, -1, target, 0x8000 /* AT_RECURSIVE */, &attr, sizeof attr) == 0) return 0;
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV;
    if (mount(NULL, target, NULL, flags, NULL) == 0) return 0;
    /* a locked atime/noexec flag: retry with the usual ones */
    if (mount(NULL, target, NULL, flags | MS_RELATIME, NULL) == 0) return 0;
    return mount(NULL, target, NULL, flags | MS_NOEXEC | MS_RELATIME, NULL);
}

static int bind_into_root(const char *src, const char *dst, int rw) {
    char target[PATH_MAX], link[PATH_MAX];
    snprintf(target, sizeof target, "%s%s", new_root, dst);
    struct stat st;
    if (lstat(src, &st) != 0) return 0; /* absent on this system: nothing to show */
    if (S_ISLNK(st.st_mode) && strcmp(src, dst) == 0) { /* /bin -> usr/bin on merged-/usr systems */
        ssize_t n = readlink(src, link, sizeof link - 1);
        if (n < 0) return -1;
        link[n] = 0;
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", target);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) { *slash = 0; if (mkdirs(parent, 0755) != 0) return -1; }
        return symlink(link, target) == 0 || errno == EEXIST ? 0 : -1;
    }
    if (stat(src, &st) != 0) return 0;
    if (S_ISDIR(st.st_mode)) {
        if (mkdirs(target, 0755) != 0) return -1;
    } else {
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", target);
        char *slash = strrchr(parent, '/');
        if (slash) { *slash = 0; if (mkdirs(parent, 0755) != 0) return -1; }
        int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return -1;
        close(fd);
    }
    if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) != 0) return -1;
    if (!rw && make_read_only(target) != 0) return -1;
    return 0;
}

static int build_root(void) {
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) { setup_error("mount", "/ private"); return -1; }
    if (mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0) { setup_error("mount tmpfs", new_root); return -1; }
    for (int i = 0; i < nbinds; i++)
        if (bind_into_root(binds[i].src, binds[i].dst, binds[i].rw) != 0) { setup_error("bind", binds[i].dst); return -1; }
    char path[PATH_MAX];
    const char *dirs[] = {"/dev", "/proc", "/tmp", "/box", "/old-root"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s%s", new_root, dirs[i]);
        if (mkdirs(path, 0755) != 0) { setup_error("mkdir", dirs[i]); return -1; }
    }
    snprintf(path, sizeof path, "%s/dev", new_root);
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755") != 0) { setup_error("mount tmpfs", "/dev"); return -1; }
    const char *devices[] = {"null", "zero", "full", "random", "urandom"};
    for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) {
        char src[64];
        snprintf(src, sizeof src, "/dev/%s", devices[i]);
        snprintf(path, sizeof path, "%s/dev/%s", new_root, devices[i]);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) { setup_error("create", path); return -1; }
        close(fd);
        if (mount(src, path, NULL, MS_BIND, NULL) != 0) { setup_error("bind", src); return -1; }
    }
    const char *links[][2] = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        snprintf(path, sizeof path, "%s/dev/%s", new_root, links[i][1]);
        if (symlink(links[i][0], path) != 0) { setup_error("symlink", path); return -1; }
    }
    snprintf(path, sizeof path, "%s/dev", new_root);
    mount(NULL, path, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL);
    snprintf(path, sizeof path, "%s/proc", new_root);
    if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) { setup_error("mount", "/proc"); return -1; }
    snprintf(path, sizeof path, "%s/old-root", new_root);
    if (syscall(SYS_pivot_root, new_root, path) != 0) { setup_error("pivot_root", new_root); return -1; }
    if (chdir("/") != 0) { setup_error("chdir", "/"); return -1; }
    if (umount2("/old-root", MNT_DETACH) != 0) { setup_error("umount", "/old-root"); return -1; }
    rmdir("/old-root");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0) { setup_error("remount", "/ read-only"); return -1; }
    return 0;
}

static int load_filter_file(void) {
    if (!bpf_path || !strcmp(bpf_path, "-")) return 0;
    int fd = open(bpf_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { setup_error("open", bpf_path); return -1; }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) || st.st_size > 65536) {
        errno = EINVAL; close(fd); setup_error("seccomp filter", bpf_path); return -1;
    }
    filter.filter = malloc((size_t)st.st_size);
    if (!filter.filter || read(fd, filter.filter, (size_t)st.st_size) != st.st_size) { close(fd); setup_error("read", bpf_path); return -1; }
    filter.len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
    close(fd);
    return 0;
}

/* ---------- one case ---------- */

struct request {
    long long id, cpu, wall_ms, fsize, nofile, nproc, as, stack, box_bytes, stderr_cap;
    char *argv[MAX_ARGS + 1];
    int fds[3];
};

/* In the program's process: limits, no privileges, the filter, exec. Reports a failure on `err_fd`
 * (close-on-exec, so it vanishes the moment exec succeeds) and never returns. */
static void exec_program(struct request *r, const char *cwd, int err_fd) {
    int e = 0;
    const char *step = "";
#define STEP(name, call) do { if ((call) != 0) { e = errno; step = name; goto failed; } } while (0)
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
    STEP("chdir", chdir(cwd));
    struct rlimit lim;
#define LIMIT(res, value, extra) do { if ((value) >= 0) { lim.rlim_cur = (rlim_t)(value); lim.rlim_max = (rlim_t)((value) + (extra)); STEP("setrlimit", setrlimit(res, &lim)); } } while (0)
    LIMIT(RLIMIT_CPU, r->cpu, 1);
    LIMIT(RLIMIT_FSIZE, r->fsize, 0);
    LIMIT(RLIMIT_NOFILE, r->nofile, 0);
    LIMIT(RLIMIT_NPROC, r->nproc, 0);
    LIMIT(RLIMIT_CORE, 0LL, 0);
    LIMIT(RLIMIT_AS, r->as, 0);
    LIMIT(RLIMIT_STACK, r->stack, 0);
    STEP("no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int cap = 0; cap <= 63; cap++) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    if (run_uid >= 0) {
        STEP("setgroups", setgroups(0, NULL));
        STEP("setgid", setresgid((gid_t)run_gid, (gid_t)run_gid, (gid_t)run_gid));
        STEP("setuid", setresuid((uid_t)run_uid, (uid_t)run_uid, (uid_t)run_uid));
    }
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    STEP("capset", (int)syscall(SYS_capset, &head, data));
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* after the uid change, which clears it */
    if (filter.len) STEP("seccomp", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0));
    char *const *envp = env;
    char *own[MAX_ENV + 1], home[PATH_MAX + 8], tmp[PATH_MAX + 8];
    if (!namespaces) { /* HOME and TMPDIR are this run's own folder */
        snprintf(home, sizeof home, "HOME=%s", cwd);
        snprintf(tmp, sizeof tmp, "TMPDIR=%s", cwd);
        for (int i = 0; i <= nenv; i++)
            own[i] = !env[i] ? NULL : !strncmp(env[i], "HOME=", 5) ? home : !strncmp(env[i], "TMPDIR=", 7) ? tmp : env[i];
        envp = own;
    }
    execve(r->argv[0], r->argv, envp);
    e = errno; step = "exec";
failed:;
    char msg[600], arg[400];
    json_text(arg, sizeof arg, r->argv[0]);
    int n = snprintf(msg, sizeof msg, "%d %s %s: %s", e, step, arg, strerror(e));
    if (write(err_fd, msg, (size_t)n) < 0) {}
    _exit(127);
#undef STEP
#undef LIMIT
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)ftw;
    if (flag == FTW_DP) rmdir(path); else unlink(path);
    return 0;
}

/* Kill every descendant of this process (rlimits mode: programs that left their process group). */
static void kill_descendants(pid_t pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = 0;
    for (char *save = NULL, *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        pid_t child = (pid_t)atoi(tok);
        if (child <= 0) continue;
        kill(child, SIGSTOP);
        kill_descendants(child);
        kill(child, SIGKILL);
    }
}

static double cpu_of_tree(pid_t pid) {
    char path[64], buf[1024];
    double total = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
            buf[n] = 0;
            char *p = strrchr(buf, ')');
            unsigned long ut = 0, st = 0;
            if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
                total += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
        }
    }
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return total;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return total;
    buf[n] = 0;
    for (char *save = NULL, *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
        if (atoi(tok) > 0) total += cpu_of_tree((pid_t)atoi(tok));
    return total;
}

/* The case's init (namespaces) or the supervisor itself (rlimits): run the program, wait for it,
 * and write "<wait status> <cpu> <maxrss_kb> <errno> <message>" to `status_fd`. */
static void run_and_wait(struct request *r, const char *cwd, int stderr_w, int status_fd) {
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) { dprintf(status_fd, "0 0 0 %d pipe", errno); return; }
    pid_t child = fork();
    if (child < 0) { dprintf(status_fd, "0 0 0 %d fork", errno); return; }
    if (child == 0) {
        if (!namespaces) setpgid(0, 0);
        close(errpipe[0]);
        if (dup2(r->fds[0], 0) < 0 || dup2(r->fds[1], 1) < 0 || dup2(stderr_w, 2) < 0) _exit(127);
        int keep = errpipe[1];
        if (keep != 3) { if (dup3(keep, 3, O_CLOEXEC) < 0) _exit(127); keep = 3; }
        close_from(4);
        exec_program(r, cwd, keep);
    }
    close(errpipe[1]);
    close(stderr_w); /* the program holds it now: stderr ends when the program (and its children) do */
    char err[600];
    ssize_t n = read(errpipe[0], err, sizeof err - 1);
    close(errpipe[0]);
    err[n > 0 ? n : 0] = 0;
    int status = 0;
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) break;
        if (pid == child) { status = st; break; }
    }
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    double cpu = u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    if (!namespaces) { /* before reporting: everything the program left behind is ours (subreaper) */
        for (int round = 0; round < 1000; round++) {
            kill_descendants(getpid());
            while (waitpid(-1, NULL, WNOHANG) > 0) {}
            if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD) break;
            usleep(1000);
        }
        nftw(cwd, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    if (n > 0) dprintf(status_fd, "%d %.6f %ld %s", status, cpu, u.ru_maxrss, err);
    else dprintf(status_fd, "%d %.6f %ld 0 ok", status, cpu, u.ru_maxrss);
}

static void reply_error(long long id, const char *message) {
    char m[600];
    json_text(m, sizeof m, message);
    send_line("{\"id\": %lld, \"error\": \"%s\"}", id, m);
}

/* A case in flight, watched by the zygote's event loop. */
struct job {
    long long id, stderr_cap, stderr_bytes;
    pid_t init;
    int status_fd, err_fd, out_err, timed_out;
    double start, deadline, cpu_at_kill;
    char status[800];
    size_t status_len;
};
static struct job jobs[MAX_JOBS];
static int njobs = 0;

/* Close every descriptor from 3 up except the four in `keep`. */
static void close_all_but(int keep[4]) {
    int k[4] = {keep[0], keep[1], keep[2], keep[3]};
    for (int i = 0; i < 4; i++) for (int j = i + 1; j < 4; j++) if (k[j] < k[i]) { int t = k[i]; k[i] = k[j]; k[j] = t; }
    int next = 3;
    for (int i = 0; i < 4; i++) {
        if (k[i] > next && syscall(SYS_close_range, (unsigned)next, (unsigned)(k[i] - 1), 0) != 0)
            for (int fd = next; fd < k[i]; fd++) close(fd);
        if (k[i] + 1 > next) next = k[i] + 1;
    }
    close_from(next);
}

/* The case's init: PID 1 of the case's own PID namespace, in its own mount namespace (with
 * namespaces), or a subreaper (without). Runs the program, reports, and ends with everything in it. */
static void case_init(struct request *r, int err_w, int status_w) {
    int keep[4] = {r->fds[0], r->fds[1], err_w, status_w};
    close_all_but(keep);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    char cwd[PATH_MAX] = "/box";
    if (namespaces) {
        char data[96];
        snprintf(data, sizeof data, "size=%lld,mode=0777", r->box_bytes);
        if (mount("tmpfs", "/box", "tmpfs", MS_NOSUID | MS_NODEV, data) != 0) { dprintf(status_w, "0 0 0 %d mount /box", errno); _exit(0); }
        snprintf(data, sizeof data, "size=%lld,mode=1777", r->box_bytes);
        if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, data) != 0) { dprintf(status_w, "0 0 0 %d mount /tmp", errno); _exit(0); }
    } else {
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        snprintf(cwd, sizeof cwd, "%s/box-XXXXXX", box_parent);
        if (!mkdtemp(cwd) || chmod(cwd, 0777) != 0) { dprintf(status_w, "0 0 0 %d create the box", errno); _exit(0); }
    }
    run_and_wait(r, cwd, err_w, status_w);
    _exit(0); /* as PID 1 of the case: the kernel kills whatever the program left behind */
}

static void start_case(struct request *r) {
    int status_pipe[2], err_pipe[2];
    if (njobs >= MAX_JOBS) { reply_error(r->id, "too many cases at once"); goto done; }
    if (pipe2(status_pipe, O_CLOEXEC) != 0) { reply_error(r->id, "pipe failed"); goto done; }
    if (pipe2(err_pipe, O_CLOEXEC) != 0) { close(status_pipe[0]); close(status_pipe[1]); reply_error(r->id, "pipe failed"); goto done; }
    pid_t init = namespaces ? (pid_t)syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL) : fork();
    if (init == 0) case_init(r, err_pipe[1], status_pipe[1]);
    close(status_pipe[1]); close(err_pipe[1]);
    if (init < 0) { close(status_pipe[0]); close(err_pipe[0]); reply_error(r->id, "fork failed"); goto done; }
    struct job *j = &jobs[njobs++];
    memset(j, 0, sizeof *j);
    j->id = r->id; j->init = init; j->status_fd = status_pipe[0]; j->err_fd = err_pipe[0];
    j->out_err = r->fds[2]; r->fds[2] = -1;
    j->stderr_cap = r->stderr_cap;
    j->start = now_s(); j->deadline = j->start + r->wall_ms / 1000.0;
done:
    for (int i = 0; i < 3; i++) if (r->fds[i] >= 0) close(r->fds[i]);
}

static void answer(struct job *j) {
    double wall = now_s() - j->start;
    int status = 0, err_no = 0;
    double cpu = 0;
    long rss = 0;
    char message[600] = "";
    j->status[j->status_len] = 0;
    if (j->status_len) sscanf(j->status, "%d %lf %ld %d %599[^\n]", &status, &cpu, &rss, &err_no, message);
    if (j->cpu_at_kill > cpu) cpu = j->cpu_at_kill;
    if (j->timed_out) {
        send_line("{\"id\": %lld, \"exit\": null, \"signal\": 9, \"timed_out\": true, \"cpu_s\": %.6f, \"wall_s\": %.6f, \"maxrss_kb\": 0, \"stderr_bytes\": %lld}",
                  j->id, cpu, wall, j->stderr_bytes);
    } else if (!j->status_len) {
        reply_error(j->id, "the case ended without a status");
    } else if (err_no || strcmp(message, "ok")) {
        char m[600];
        json_text(m, sizeof m, message);
        send_line("{\"id\": %lld, \"error\": \"%s\", \"errno\": %d}", j->id, m, err_no);
    } else {
        char code[32] = "null", sig[32] = "null";
        if (WIFEXITED(status)) snprintf(code, sizeof code, "%d", WEXITSTATUS(status));
        if (WIFSIGNALED(status)) snprintf(sig, sizeof sig, "%d", WTERMSIG(status));
        send_line("{\"id\": %lld, \"exit\": %s, \"signal\": %s, \"timed_out\": false, \"cpu_s\": %.6f, \"wall_s\": %.6f, \"maxrss_kb\": %ld, \"stderr_bytes\": %lld}",
                  j->id, code, sig, cpu, wall, rss, j->stderr_bytes);
    }
    /* The program has exited: what it left behind dies with the case's init (killed here, reaped by
     * the loop); the zygote, then ocr, wait for every init before the sandbox ends. */
    kill(j->init, SIGKILL);
    if (j->status_fd >= 0) close(j->status_fd);
    if (j->err_fd >= 0) close(j->err_fd);
    close(j->out_err);
}

/* Request: "id cpu wall_ms fsize nofile nproc as stack box_bytes stderr_cap\n" then argv, NUL-separated. */
static int parse_request(char *msg, size_t len, struct request *r) {
    msg[len] = 0;
    char *nl = memchr(msg, '\n', len);
    if (!nl) return -1;
    *nl = 0;
    if (sscanf(msg, "%lld %lld %lld %lld %lld %lld %lld %lld %lld %lld", &r->id, &r->cpu, &r->wall_ms, &r->fsize,
               &r->nofile, &r->nproc, &r->as, &r->stack, &r->box_bytes, &r->stderr_cap) != 10) return -1;
    int argc = 0;
    for (char *p = nl + 1; p < msg + len && argc < MAX_ARGS; p += strlen(p) + 1) r->argv[argc++] = p;
    r->argv[argc] = NULL;
    return argc > 0 ? 0 : -1;
}

/* Read one request from the control socket and start its case; 0 when ocr closed the socket. */
static int take_request(void) {
    static char msg[1 << 17];
    struct request r;
    memset(&r, 0, sizeof r);
    r.fds[0] = r.fds[1] = r.fds[2] = -1;
    char cbuf[CMSG_SPACE(3 * sizeof(int))];
    struct iovec iov = {msg, sizeof msg - 1};
    struct msghdr mh = {0};
    mh.msg_iov = &iov; mh.msg_iovlen = 1; mh.msg_control = cbuf; mh.msg_controllen = sizeof cbuf;
    ssize_t n = recvmsg(ctl, &mh, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) return 1;
    if (n <= 0) return 0;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    int nfds = 0;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(r.fds, CMSG_DATA(c), sizeof(int) * (nfds < 3 ? (size_t)nfds : 3));
    }
    if (nfds != 3 || parse_request(msg, (size_t)n, &r) != 0) {
        for (int i = 0; i < 3; i++) if (r.fds[i] >= 0) close(r.fds[i]);
        reply_error(r.id, "bad request");
        return 1;
    }
    start_case(&r);
    return 1;
}

/* The zygote's event loop: requests, the cases' status and stderr pipes, their deadlines. */
static void serve(void) {
    static char buf[65536];
    int open_ctl = 1;
    while (open_ctl || njobs) {
        struct pollfd p[1 + 2 * MAX_JOBS];
        int np = 0;
        p[np++] = (struct pollfd){open_ctl ? ctl : -1, POLLIN, 0};
        double now = now_s(), wait_s = 0.2;
        for (int i = 0; i < njobs; i++) {
            p[np++] = (struct pollfd){jobs[i].status_fd, POLLIN, 0};
            p[np++] = (struct pollfd){jobs[i].err_fd, POLLIN, 0};
            if (jobs[i].deadline - now < wait_s) wait_s = jobs[i].deadline - now;
        }
        int k = poll(p, (nfds_t)np, wait_s > 0 ? (int)(wait_s * 1000) + 1 : 0);
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        if (k < 0 && errno != EINTR) break;
        now = now_s();
        for (int i = 0; i < njobs; i++) {
            struct job *j = &jobs[i];
            if (j->status_fd >= 0 && p[1 + 2 * i].revents) {
                ssize_t n = read(j->status_fd, j->status + j->status_len, sizeof j->status - 1 - j->status_len);
                if (n > 0) j->status_len += (size_t)n;
                else { close(j->status_fd); j->status_fd = -1; }
            }
            if (j->err_fd >= 0 && p[2 + 2 * i].revents) {
                ssize_t n = read(j->err_fd, buf, sizeof buf);
                if (n > 0) {
                    long long room = j->stderr_cap - j->stderr_bytes;
                    if (room > 0 && write(j->out_err, buf, (size_t)(n < room ? n : room)) < 0) {}
                    j->stderr_bytes += n;
                } else {
                    close(j->err_fd); j->err_fd = -1;
                }
            }
            if (now >= j->deadline && !j->timed_out && j->status_fd >= 0) {
                j->timed_out = 1;
                j->cpu_at_kill = cpu_of_tree(j->init);
                if (!namespaces) kill_descendants(j->init);
                kill(j->init, SIGKILL);
                j->deadline = now + 5; /* then wait (briefly) for its pipes to close */
            }
            int over = now >= j->deadline && (j->timed_out || j->status_fd < 0);
            if ((j->status_fd < 0 && j->err_fd < 0) || over) {
                answer(j);
                jobs[i--] = jobs[--njobs];
            }
        }
        if (open_ctl && p[0].revents) {
            if (!take_request()) { /* ocr closed the socket: end what runs, then leave */
                open_ctl = 0;
                for (int i = 0; i < njobs; i++) kill(jobs[i].init, SIGKILL);
            }
        }
    }
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--ctl") && i + 1 < argc) ctl = atoi(argv[++i]);
        else if (!strcmp(a, "--ns")) namespaces = 1;
        else if (!strcmp(a, "--uid") && i + 1 < argc) run_uid = atoll(argv[++i]);
        else if (!strcmp(a, "--gid") && i + 1 < argc) run_gid = atoll(argv[++i]);
        else if (!strcmp(a, "--root") && i + 1 < argc) new_root = argv[++i];
        else if (!strcmp(a, "--boxes") && i + 1 < argc) box_parent = argv[++i];
        else if (!strcmp(a, "--seccomp") && i + 1 < argc) bpf_path = argv[++i];
        else if ((!strcmp(a, "--ro") || !strcmp(a, "--rw")) && i + 2 < argc && nbinds < MAX_BINDS) {
            binds[nbinds].rw = !strcmp(a, "--rw");
            binds[nbinds].src = argv[++i]; binds[nbinds].dst = argv[++i]; nbinds++;
        } else if (!strcmp(a, "--env") && i + 1 < argc && nenv < MAX_ENV) env[nenv++] = argv[++i];
        else return 2;
    }
    env[nenv] = NULL;
    if (ctl < 0 || (namespaces && !new_root) || (!namespaces && !box_parent)) return 2;
    fcntl(ctl, F_SETFD, FD_CLOEXEC);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (load_filter_file() != 0) return 0;
    if (!namespaces) {
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* /proc/PID/fd and ptrace closed to the programs (same uid) */
        send_line("{\"ready\": true, \"namespaces\": false, \"seccomp\": %s}", filter.len ? "true" : "false");
        serve();
        return 0;
    }
    uid_t uid = getuid();
    gid_t gid = getgid();
    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | (uid != 0 ? CLONE_NEWUSER : 0);
    if (unshare(flags) != 0) { setup_error("unshare", NULL); return 0; }
    if (uid != 0) {
        char map[64];
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "%u %u 1", (unsigned)uid, (unsigned)uid);
        if (write_file("/proc/self/uid_map", map) != 0) { setup_error("write", "uid_map"); return 0; }
        snprintf(map, sizeof map, "%u %u 1", (unsigned)gid, (unsigned)gid);
        if (write_file("/proc/self/gid_map", map) != 0) { setup_error("write", "gid_map"); return 0; }
    }
    /* Only now: a non-dumpable process may not write its own uid_map. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    pid_t zygote = fork();
    if (zygote < 0) { setup_error("fork", NULL); return 0; }
    if (zygote == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (build_root() != 0) _exit(0);
        sethostname("sandbox", 7);
        send_line("{\"ready\": true, \"namespaces\": true, \"user_namespace\": %s, \"seccomp\": %s}",
                  uid != 0 ? "true" : "false", filter.len ? "true" : "false");
        serve();
        _exit(0); /* PID 1 leaves: the kernel ends every process left in the sandbox */
    }
    close(ctl);
    int st;
    while (waitpid(zygote, &st, 0) < 0 && errno == EINTR) {}
    return 0;
}
