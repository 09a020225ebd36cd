#pragma once
// Linux headers that Glibc's Swift overlay does not expose (epoll, eventfd, timerfd, accept4), plus small
// static inline wrappers for the macros and enum-typed constants Swift imports awkwardly.
// No _GNU_SOURCE here: it would change struct layouts (fd_set) against Swift's Glibc module. The few GNU
// functions needed are declared below instead.
#include <sched.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
extern int sched_getaffinity(pid_t pid, size_t cpusetsize, void *mask);
extern int pthread_setname_np(pthread_t thread, const char *name);

/* The number of CPUs this process may run on (respects taskset), unlike sysconf(_SC_NPROCESSORS_ONLN). */
static inline int shim_cpu_count(void) {
    unsigned long mask[16] = {0};
    if (sched_getaffinity(0, sizeof(mask), mask) != 0) return 1;
    int n = 0;
    for (int i = 0; i < 16; i++) n += __builtin_popcountl(mask[i]);
    return n > 0 ? n : 1;
}

/* SOCK_* and EPOLL* arrive in Swift as enum-typed values on glibc; plain ints keep call sites simple. */
static inline int shim_sock_stream_nonblock(void) { return SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC; }
static inline int shim_accept_flags(void) { return SOCK_NONBLOCK | SOCK_CLOEXEC; }
static inline unsigned int shim_epollin(void) { return EPOLLIN; }
static inline unsigned int shim_epollout(void) { return EPOLLOUT; }
static inline unsigned int shim_epollerr(void) { return EPOLLERR; }
static inline unsigned int shim_epollhup(void) { return EPOLLHUP; }
static inline unsigned int shim_epollrdhup(void) { return EPOLLRDHUP; }
static inline unsigned int shim_epollexclusive(void) { return EPOLLEXCLUSIVE; }

static inline int shim_epoll_add(int epfd, int fd, unsigned int events) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = 0;
    ev.data.fd = fd;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}
static inline int shim_epoll_mod(int epfd, int fd, unsigned int events) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = 0;
    ev.data.fd = fd;
    return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}
static inline int shim_epoll_del(int epfd, int fd) {
    struct epoll_event ev;
    ev.events = 0;
    ev.data.u64 = 0;
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &ev);
}
/* writev without SIGPIPE: a peer that reset the connection must cost an EPIPE, not the process. */
static inline ssize_t shim_writev_nosignal(int fd, struct iovec *iov, int count) {
    struct msghdr message;
    message.msg_name = 0;
    message.msg_namelen = 0;
    message.msg_iov = iov;
    message.msg_iovlen = (size_t)count;
    message.msg_control = 0;
    message.msg_controllen = 0;
    message.msg_flags = 0;
    return sendmsg(fd, &message, MSG_NOSIGNAL);
}

/* epoll_event is packed on x86_64; these accessors keep Swift away from its layout. */
static inline int shim_epoll_event_fd(const struct epoll_event *events, int i) { return events[i].data.fd; }
static inline unsigned int shim_epoll_event_events(const struct epoll_event *events, int i) { return events[i].events; }
static inline size_t shim_epoll_event_size(void) { return sizeof(struct epoll_event); }
