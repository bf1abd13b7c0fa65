/*
 * redis_server.h - a private redis-server for the Check suites that need
 * one: its own free port on 127.0.0.1, its own temp dir, killed with the
 * suite (PR_SET_PDEATHSIG) and stopped by its PID.  MC_TEST_REDIS_SERVER
 * names another binary (valkey-server, a newer redis-server).
 * Header-only: each suite is one program.
 */
#ifndef MC_TEST_REDIS_SERVER_H
#define MC_TEST_REDIS_SERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct test_server {
    pid_t pid;
    int port;
    char dir[64];
    char log[128];
} test_server;

static inline const char *test_server_binary(void)
{
    const char *bin = getenv("MC_TEST_REDIS_SERVER");
    return bin && *bin ? bin : "redis-server";
}

static inline int test_port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

static inline int test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t len = sizeof(sa);
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0
        && getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
        port = ntohs(sa.sin_port);
    }
    if (fd >= 0) close(fd);
    return port;
}

/* Makes the server's temp dir (for files the caller puts there before
 * starting it, such as certificates); 1 on success. */
static inline int test_server_init(test_server *s, const char *name)
{
    memset(s, 0, sizeof(*s));
    s->pid = -1;
    snprintf(s->dir, sizeof(s->dir), "/tmp/mc-test-%s-XXXXXX", name);
    if (mkdtemp(s->dir) == NULL) {
        s->dir[0] = '\0';
        return 0;
    }
    snprintf(s->log, sizeof(s->log), "%s/redis.log", s->dir);
    return 1;
}

/* Starts the server with extra arguments (NULL-terminated, may be NULL) on
 * `port` (0: a free one); 1 once it answers. */
static inline int test_server_start(test_server *s, int port, const char *const *extra)
{
    s->port = port ? port : test_free_port();
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", s->port);
    const char *argv[64] = {test_server_binary(), "--port", portstr, "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--daemonize", "no", "--dir", s->dir, "--logfile", s->log};
    int argc = 15;
    for (int i = 0; extra && extra[i] && argc < 63; i++) {
        argv[argc++] = extra[i];
    }
    argv[argc] = NULL;
    pid_t parent = getpid();
    s->pid = fork();
    if (s->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the tests */
        if (getppid() != parent) {
            _exit(1);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; s->pid > 0 && i < 300; i++) {
        if (test_port_open(s->port)) {
            return 1;
        }
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = -1;
            return 0;
        }
        usleep(10000);
    }
    return 0;
}

/* Stops the server (SIGKILL when hard, else SIGTERM) and waits for it. */
static inline void test_server_kill(test_server *s, int hard)
{
    if (s->pid > 0) {
        kill(s->pid, SIGCONT);              /* a stopped server cannot act on SIGTERM */
        kill(s->pid, hard ? SIGKILL : SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = -1;
    }
}

/* Stops the server and removes its dir. */
static inline void test_server_stop(test_server *s)
{
    test_server_kill(s, 0);
    if (s->dir[0]) {
        char cmdline[128];
        snprintf(cmdline, sizeof(cmdline), "rm -rf '%s'", s->dir);
        if (system(cmdline) != 0) {
            fprintf(stderr, "could not remove %s\n", s->dir);
        }
        s->dir[0] = '\0';
    }
}

#endif
