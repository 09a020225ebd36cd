// The floor under the transport's "CPU per delivered frame" (docs/PERFORMANCE.md): what one write(2) of a 90-byte
// frame costs the sender on loopback TCP, with nothing else around it. `send` opens N connections to `recv` and,
// RATE times a second, writes one frame to each (a broadcast to a room of N); `recv` reads them all with epoll on
// another core, as the bench does. On loopback the sender's system call also runs the receiver's TCP input and
// wakes it, so this is the kernel's price per frame that no sender writing one frame per call goes below.
//
//   cc -O2 -o floor loopback-floor.c
//   taskset -c 1 ./floor recv 100 500 10 & sleep 0.3; taskset -c 0 ./floor send 100 500 10; wait
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static int receive(struct sockaddr_in *address, int connections, int seconds) {
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, (void *)address, sizeof *address) || listen(listener, 1024)) {
        perror("listen");
        return 1;
    }
    int ep = epoll_create1(0);
    for (int i = 0; i < connections; i++) {
        struct epoll_event event = {.events = EPOLLIN, .data.fd = accept(listener, 0, 0)};
        epoll_ctl(ep, EPOLL_CTL_ADD, event.data.fd, &event);
    }
    static char buffer[65536];
    struct epoll_event events[256];
    long bytes = 0;
    for (double end = now() + seconds + 2; now() < end;) {
        int ready = epoll_wait(ep, events, 256, 100);
        for (int i = 0; i < ready; i++) {
            long n = read(events[i].data.fd, buffer, sizeof buffer);
            if (n > 0) bytes += n;
        }
    }
    printf("received %ld bytes\n", bytes);
    return 0;
}

static int send_frames(struct sockaddr_in *address, int connections, int rate, int seconds) {
    int *fds = malloc(connections * sizeof(int)), one = 1;
    for (int i = 0; i < connections; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fds[i], (void *)address, sizeof *address)) {
            perror("connect");
            return 1;
        }
    }
    char frame[90];
    memset(frame, 'x', sizeof frame);
    double cpu = cpu_seconds(), start = now();
    long sent = 0;
    for (long tick = 0; tick < (long)rate * seconds; tick++) {
        double due = start + (double)tick / rate, t = now();
        if (due > t) {
            struct timespec pause = {0, (long)((due - t) * 1e9)};
            nanosleep(&pause, 0);
        }
        for (int i = 0; i < connections; i++) sent += write(fds[i], frame, sizeof frame) == sizeof frame;
    }
    cpu = cpu_seconds() - cpu;
    printf("%ld writes of 90 bytes in %.1f s: sender CPU %.2f s = %.2f us per write\n", sent, now() - start, cpu,
           cpu * 1e6 / sent);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s send|recv CONNECTIONS RATE SECONDS\n", argv[0]);
        return 2;
    }
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(9555)};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    int connections = atoi(argv[2]), rate = atoi(argv[3]), seconds = atoi(argv[4]);
    if (!strcmp(argv[1], "recv")) return receive(&address, connections, seconds);
    return send_frames(&address, connections, rate, seconds);
}
