/*
 * nfq-delay.c - holds every packet of an NFQUEUE for a fixed delay, in
 * order, then accepts it: a network delay for this kernel, which has no
 * netem (see /work/shared/TESTBED.md, "Network latency").
 *
 *   nfq-delay QUEUE DELAY_US [CALIBRATION_US [SPIN_US]]
 *
 * Packets are released at arrival + DELAY_US - CALIBRATION_US (the
 * calibration takes off what the path itself adds: read, verdict, wake-up),
 * or up to 20 us before, with the packet ahead of them.
 * Timer wake-ups here are 20-40 us late, so it sleeps in poll() only until
 * SPIN_US (default 60) before the next release (ppoll) and busy-waits the
 * rest: run it on a CPU of its own.  At real-time priority the wake-up is
 * punctual without spinning, and spinning there would starve the CPU's
 * softirq thread that re-injects the accepted packets: use SPIN_US 0.  Only packet metadata is copied to user space.  Stops on
 * SIGTERM/SIGINT, accepting what it still holds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


typedef struct held {
    uint32_t id;
    uint64_t release_ns;
} held;

static held *queue;
static size_t qcap, qhead, qlen;
static uint64_t delay_ns;
static uint64_t spin_ns = 60000;
static const uint64_t slack_ns = 20000;
static volatile sig_atomic_t stop;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
    (void)msg;
    (void)data;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (ph == NULL) {
        return 0;
    }
    uint32_t id = ntohl(ph->packet_id);
    if (qlen == qcap) {
        /* full: let it through at once rather than drop it */
        return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
    }
    queue[(qhead + qlen) % qcap] = (held){id, now_ns() + delay_ns};
    qlen++;
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s QUEUE DELAY_US [CALIBRATION_US [SPIN_US]]\n", argv[0]);
        return 2;
    }
    int qnum = atoi(argv[1]);
    long delay_us = atol(argv[2]);
    long calib_us = argc > 3 ? atol(argv[3]) : 0;
    long spin_us = argc > 4 ? atol(argv[4]) : 60;
    if (qnum < 0 || qnum > 65535 || delay_us < 0 || calib_us < 0 || spin_us < 0) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    delay_ns = (uint64_t)(delay_us > calib_us ? delay_us - calib_us : 0) * 1000ULL;
    spin_ns = (uint64_t)spin_us * 1000ULL;
    qcap = 65536;
    queue = calloc(qcap, sizeof(*queue));
    if (queue == NULL) {
        perror("calloc");
        return 1;
    }
    struct nfq_handle *h = nfq_open();
    if (h == NULL) {
        perror("nfq_open");
        return 1;
    }
    struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)qnum, on_packet, NULL);
    if (qh == NULL) {
        perror("nfq_create_queue");
        nfq_close(h);
        return 1;
    }
    if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
        perror("nfq_set_mode");
        return 1;
    }
    nfq_set_queue_maxlen(qh, (uint32_t)qcap);
    int fd = nfq_fd(h);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    char buf[65536] __attribute__((aligned));
    fprintf(stderr, "nfq-delay: queue %d, delay %ld us (calibration %ld us)\n", qnum, delay_us, calib_us);
    while (!stop) {
        /* release what is due, and what falls due within the slack: packets
         * sent together (a reply and a Pub/Sub message of the same event
         * loop) leave with one wake-up and one verdict, not one each, as a
         * wire would delay them without any CPU */
        uint64_t t = now_ns();
        uint32_t last = 0;
        int due = 0;
        while (qlen > 0 && queue[qhead].release_ns <= t + slack_ns) {
            last = queue[qhead].id;
            due = 1;
            qhead = (qhead + 1) % qcap;
            qlen--;
        }
        /* accepts every queued packet with an id up to last: the ones just
         * taken, as ids grow in arrival order */
        if (due && nfq_set_verdict_batch(qh, last, NF_ACCEPT) < 0) {
            perror("nfq_set_verdict_batch");
        }
        uint64_t sleep_ns = 100000000ULL;
        if (qlen > 0) {
            uint64_t wait = queue[qhead].release_ns - t;
            sleep_ns = wait > spin_ns ? wait - spin_ns : 0;
        }
        struct timespec ts = {(time_t)(sleep_ns / 1000000000ULL), (long)(sleep_ns % 1000000000ULL)};
        struct pollfd p = {fd, POLLIN, 0};
        int rc = ppoll(&p, 1, &ts, NULL);
        if (rc < 0 && errno != EINTR) {
            perror("poll");
            break;
        }
        if (rc > 0) {
            for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n <= 0) {
                    if (n < 0 && errno == ENOBUFS) {
                        continue;   /* the kernel dropped messages: carry on */
                    }
                    break;
                }
                nfq_handle_packet(h, buf, (int)n);
            }
        }
    }
    while (qlen > 0) {
        nfq_set_verdict(qh, queue[qhead].id, NF_ACCEPT, 0, NULL);
        qhead = (qhead + 1) % qcap;
        qlen--;
    }
    nfq_destroy_queue(qh);
    nfq_close(h);
    free(queue);
    return 0;
}
