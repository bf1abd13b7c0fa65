/*
 * reaper.c - runs a command and makes sure nothing it started outlives it.
 *
 *   reaper LABEL COMMAND [ARG...]
 *
 * The reaper is a child subreaper (PR_SET_CHILD_SUBREAPER): a daemon the
 * command starts (redis-server --daemonize, memcached -d, postgres,
 * dockerd's shims, a PHP helper left by a killed test) is re-parented to
 * it, not to init, so every process the command started stays a
 * descendant of the reaper.  When the command exits, each descendant still
 * running is listed on stderr ("LEFTOVER LABEL: pid N (comm) cmdline, cwd
 * DIR"), sent SIGTERM, then SIGKILL after 3 s, and the reaper exits 97 (or
 * the command's own failure status); with MOODLECACHE_LEFTOVER_REPORT set,
 * those lines are also appended to that file.  Otherwise it exits with the
 * command's status (128+N for a signal N).  SIGTERM, SIGINT and SIGHUP are passed on
 * to the command, and the clean-up still happens.  Only processes of its
 * own tree are ever signalled: other users of the machine are not touched.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LEFTOVER_STATUS 97

static volatile sig_atomic_t child_pid;

static void pass_on(int sig)
{
    if (child_pid > 0) {
        kill((pid_t)child_pid, sig);
    }
}

/* The parent of pid from /proc, or -1. */
static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close = strrchr(buf, ')');   /* comm may hold spaces and parentheses */
    int ppid = -1;
    char state;
    if (close == NULL || sscanf(close + 1, " %c %d", &state, &ppid) != 2 || state == 'Z') {
        return -1;   /* a zombie is already gone: it only waits to be reaped */
    }
    return (pid_t)ppid;
}

/* Every live descendant of this process, into pids (at most max); the count. */
static size_t descendants(pid_t *pids, size_t max)
{
    size_t cap = 4096, n = 0, found = 0;
    pid_t *all = malloc(cap * sizeof(pid_t)), *par = malloc(cap * sizeof(pid_t));
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d != NULL && all != NULL && par != NULL && (de = readdir(d)) != NULL) {
        pid_t pid = (pid_t)atoi(de->d_name);
        pid_t ppid = pid > 0 ? parent_of(pid) : -1;
        if (ppid < 0) {
            continue;
        }
        if (n == cap) {
            cap *= 2;
            pid_t *a = realloc(all, cap * sizeof(pid_t)), *p = realloc(par, cap * sizeof(pid_t));
            if (a == NULL || p == NULL) {
                free(a != NULL ? a : all);
                free(p != NULL ? p : par);
                all = par = NULL;
                break;
            }
            all = a;
            par = p;
        }
        all[n] = pid;
        par[n] = ppid;
        n++;
    }
    if (d != NULL) {
        closedir(d);
    }
    /* Breadth first from ourselves: pids[] is the queue. */
    pid_t self = getpid();
    for (size_t head = 0; all != NULL; head++) {
        pid_t of = head == 0 ? self : (head - 1 < found ? pids[head - 1] : -1);
        if (of < 0) {
            break;
        }
        for (size_t i = 0; i < n && found < max; i++) {
            if (par[i] == of) {
                pids[found++] = all[i];
            }
        }
    }
    free(all);
    free(par);
    return found;
}

static void describe(const char *label, pid_t pid)
{
    char path[64], comm[64] = "?", cmd[512] = "", cwd[512] = "?";
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    if (f != NULL) {
        if (fgets(comm, sizeof(comm), f) != NULL) {
            comm[strcspn(comm, "\n")] = '\0';
        }
        fclose(f);
    }
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    f = fopen(path, "re");
    if (f != NULL) {
        size_t n = fread(cmd, 1, sizeof(cmd) - 1, f);
        fclose(f);
        for (size_t i = 0; i + 1 < n; i++) {
            if (cmd[i] == '\0') {
                cmd[i] = ' ';
            }
        }
        cmd[n] = '\0';
    }
    snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
    ssize_t n = readlink(path, cwd, sizeof(cwd) - 1);
    cwd[n > 0 ? n : 1] = '\0';
    fprintf(stderr, "LEFTOVER %s: pid %d (%s) %s, cwd %s\n", label, (int)pid, comm, cmd, cwd);
    const char *report = getenv("MOODLECACHE_LEFTOVER_REPORT");
    FILE *r = report != NULL && report[0] != '\0' ? fopen(report, "ae") : NULL;
    if (r != NULL) {
        fprintf(r, "%s: pid %d (%s) %s, cwd %s\n", label, (int)pid, comm, cmd, cwd);
        fclose(r);
    }
}

/* Reaps whatever has exited, without waiting. */
static void reap_exited(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Stops every descendant: SIGTERM, then SIGKILL after 3 s.  How many were
 * found running (each listed once). */
static size_t stop_leftovers(const char *label)
{
    enum { MAX = 4096 };
    static pid_t pids[MAX], listed[MAX];
    size_t nlisted = 0;
    double kill_at = now() + 3.0;
    for (int round = 0;; round++) {
        reap_exited();
        size_t n = descendants(pids, MAX);
        if (n == 0) {
            break;
        }
        int hard = now() >= kill_at;
        for (size_t i = 0; i < n; i++) {
            int seen = 0;
            for (size_t j = 0; j < nlisted && !seen; j++) {
                seen = listed[j] == pids[i];
            }
            if (!seen && nlisted < MAX) {
                describe(label, pids[i]);
                listed[nlisted++] = pids[i];
            }
            if (round == 0 || hard) {
                kill(pids[i], hard ? SIGKILL : SIGTERM);
            }
        }
        if (hard && now() >= kill_at + 5.0) {
            fprintf(stderr, "LEFTOVER %s: %zu processes would not die\n", label, n);
            break;
        }
        usleep(50000);
    }
    return nlisted;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: reaper LABEL COMMAND [ARG...]\n");
        return 2;
    }
    const char *label = argv[1];
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
        perror("reaper: prctl(PR_SET_CHILD_SUBREAPER)");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = pass_on;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    pid_t pid = fork();
    if (pid < 0) {
        perror("reaper: fork");
        return 2;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "reaper: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    child_pid = pid;
    int status = 0, code = 1;
    for (;;) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w == pid) {
            status = st;
            break;
        }
        if (w < 0 && errno != EINTR) {
            break;
        }
    }
    child_pid = 0;
    if (WIFEXITED(status)) {
        code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        code = 128 + WTERMSIG(status);
    }
    if (stop_leftovers(label) > 0) {
        fprintf(stderr, "LEFTOVER %s: the processes above were still running after it ended; stopped now\n", label);
        if (code == 0) {
            code = LEFTOVER_STATUS;
        }
    }
    return code;
}
