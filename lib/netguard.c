/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rfkill.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "log.h"
#include "netguard.h"
#include "util.h"

#define MID_LINK_DOWN "18a7a94e4c7046089e2104dd18f32342"
#define MID_ADDRESS_REMOVED "7cb516ef8d2a4f0a9553768c2e8daaa5"
#define MID_RADIOS_BLOCKED "26ea094fdeb94ce7a78f5f274175ea93"

/* Large enough for a dump's multipart messages and a burst of events. */
#define NL_BUFFER_SIZE (64u * 1024u)
#define NL_RCVBUF (4u * 1024u * 1024u)

static int nl_open(unsigned groups, int *ret) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
        /* requests are answered within milliseconds; never wait forever */
        struct timeval tv = { .tv_sec = 5 };
        int rcvbuf = (int) NL_RCVBUF;
        int fd;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0), NETLINK_ROUTE);
        if (fd < 0)
                return negative_errno();
        if (groups)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        else
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                int r = negative_errno();
                close(fd);
                return r;
        }
        *ret = fd;
        return 0;
}

/* The link's flags now (an event may describe a state already undone);
 * 0 when it is gone. */
static unsigned ifindex_flags(int ifindex) {
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {};

        if (fd < 0 || !if_indextoname((unsigned) ifindex, ifr.ifr_name) || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return 0;
        return (unsigned) (unsigned short) ifr.ifr_flags;
}

/* Sends msg on the request socket and waits for its ACK: 0 or the
 * kernel's negative errno. */
static int nl_transact(NetGuard *g, struct nlmsghdr *msg) {
        uint8_t buf[NL_BUFFER_SIZE];

        msg->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        msg->nlmsg_seq = ++g->seq;
        msg->nlmsg_pid = 0;
        if (send(g->request, msg, msg->nlmsg_len, 0) < 0)
                return negative_errno();
        for (;;) {
                ssize_t n = recv(g->request, buf, sizeof buf, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n))
                        if (h->nlmsg_seq == g->seq && h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                return e->error;
                        }
        }
}

static const char *link_name(const struct nlmsghdr *h, char buf[IF_NAMESIZE]) {
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        int len = (int) IFLA_PAYLOAD(h);

        for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
                if (a->rta_type == IFLA_IFNAME) {
                        snprintf(buf, IF_NAMESIZE, "%s", (const char *) RTA_DATA(a));
                        return buf;
                }
        if (!if_indextoname((unsigned) ifi->ifi_index, buf))
                snprintf(buf, IF_NAMESIZE, "#%i", ifi->ifi_index);
        return buf;
}

/* RTM_NEWLINK (from a dump or an event): a non-loopback link that is up is
 * set down. */
static int handle_link(NetGuard *g, const struct nlmsghdr *h) {
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        struct {
                struct nlmsghdr h;
                struct ifinfomsg i;
        } req = {
                .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK },
                .i = { .ifi_family = AF_UNSPEC, .ifi_index = ifi->ifi_index, .ifi_flags = 0, .ifi_change = IFF_UP },
        };
        char name[IF_NAMESIZE];
        char field[32 + IF_NAMESIZE];
        int r;

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof *ifi) || (ifi->ifi_flags & IFF_LOOPBACK) || !(ifi->ifi_flags & IFF_UP) ||
            !(ifindex_flags(ifi->ifi_index) & IFF_UP))
                return 0;
        link_name(h, name);
        snprintf(field, sizeof field, "REALMBOOT_IFNAME=%s", name);
        r = nl_transact(g, &req.h);
        if (r == -ENODEV)
                return 0; /* gone meanwhile */
        if (r < 0)
                return log_struct_errno(LOG_ERR, r, MID_LINK_DOWN, field, "Safe mode: cannot set link %s down: %m",
                                        name);
        g->links_downed++;
        log_struct_errno(LOG_NOTICE, 0, MID_LINK_DOWN, field, "Safe mode: link %s was up; set down.", name);
        return 0;
}

/* RTM_NEWADDR: an address of a non-loopback link is removed, by sending the
 * kernel's own description of it back as RTM_DELADDR. */
static int handle_address(NetGuard *g, const struct nlmsghdr *h) {
        const struct ifaddrmsg *ifa = NLMSG_DATA(h);
        uint8_t buf[NL_BUFFER_SIZE];
        struct nlmsghdr *del = (struct nlmsghdr *) buf;
        char name[IF_NAMESIZE] = "?", field[32 + IF_NAMESIZE];
        int r;

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof *ifa) || h->nlmsg_len > sizeof buf ||
            (ifindex_flags((int) ifa->ifa_index) & IFF_LOOPBACK))
                return 0;
        memcpy(buf, h, h->nlmsg_len);
        del->nlmsg_type = RTM_DELADDR;
        del->nlmsg_flags = 0;
        (void) if_indextoname(ifa->ifa_index, name);
        snprintf(field, sizeof field, "REALMBOOT_IFNAME=%s", name);
        r = nl_transact(g, del);
        if (r == -EADDRNOTAVAIL || r == -ENODEV)
                return 0; /* gone meanwhile */
        if (r < 0)
                return log_struct_errno(LOG_ERR, r, MID_ADDRESS_REMOVED, field,
                                        "Safe mode: cannot remove an address of %s: %m", name);
        g->addresses_removed++;
        log_struct_errno(LOG_NOTICE, 0, MID_ADDRESS_REMOVED, field,
                         "Safe mode: removed an IPv%c address of %s.", ifa->ifa_family == AF_INET6 ? '6' : '4', name);
        return 0;
}

static int handle_message(NetGuard *g, const struct nlmsghdr *h) {
        if (h->nlmsg_type == RTM_NEWLINK)
                return handle_link(g, h);
        if (h->nlmsg_type == RTM_NEWADDR)
                return handle_address(g, h);
        return 0;
}

/* Dumps links or addresses into a copy first, then acts on each: the
 * request socket cannot carry our changes in the middle of a dump. */
static int sweep_one(NetGuard *g, int type) {
        struct {
                struct nlmsghdr h;
                struct rtgenmsg g;
        } req = {
                .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg)), .nlmsg_type = (uint16_t) type,
                       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = ++g->seq },
                .g = { .rtgen_family = AF_UNSPEC },
        };
        _cleanup_free_ uint8_t *copy = NULL;
        size_t copy_len = 0;
        uint8_t buf[NL_BUFFER_SIZE];
        bool done = false;
        int r = 0;

        if (send(g->request, &req, req.h.nlmsg_len, 0) < 0)
                return negative_errno();
        while (!done) {
                ssize_t n = recv(g->request, buf, sizeof buf, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
                        uint8_t *c;

                        if (h->nlmsg_seq != req.h.nlmsg_seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_DONE) {
                                done = true;
                                break;
                        }
                        if (h->nlmsg_type == NLMSG_ERROR)
                                return ((const struct nlmsgerr *) NLMSG_DATA(h))->error;
                        c = realloc(copy, copy_len + NLMSG_ALIGN(h->nlmsg_len));
                        if (!c)
                                return -ENOMEM;
                        copy = c;
                        memcpy(copy + copy_len, h, h->nlmsg_len);
                        copy_len += NLMSG_ALIGN(h->nlmsg_len);
                }
        }
        for (size_t off = 0; off < copy_len;) {
                const struct nlmsghdr *h = (const struct nlmsghdr *) (copy + off);
                int k = handle_message(g, h);
                if (k < 0 && r == 0)
                        r = k;
                off += NLMSG_ALIGN(h->nlmsg_len);
        }
        return r;
}

static int sweep(NetGuard *g) {
        int r = sweep_one(g, RTM_GETLINK), k;

        /* links first: a link set down keeps its IPv4 addresses */
        k = sweep_one(g, RTM_GETADDR);
        return r < 0 ? r : k;
}

/* Every radio soft-blocked: one CHANGE_ALL for all types. */
static int rfkill_block_all(NetGuard *g) {
        struct rfkill_event ev = { .op = RFKILL_OP_CHANGE_ALL, .type = RFKILL_TYPE_ALL, .soft = 1 };

        if (write(g->rfkill, &ev, sizeof ev) != (ssize_t) sizeof ev)
                return log_struct_errno(LOG_ERR, errno, MID_RADIOS_BLOCKED, NULL,
                                        "Safe mode: cannot soft-block the radios: %m");
        return 0;
}

/* Each rfkill event: a device added or unblocked is blocked again. */
static int rfkill_process(NetGuard *g) {
        for (;;) {
                struct rfkill_event ev = {};
                ssize_t n = read(g->rfkill, &ev, sizeof ev);

                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();
                if (n < (ssize_t) RFKILL_EVENT_SIZE_V1)
                        return 0;
                if ((ev.op == RFKILL_OP_ADD || ev.op == RFKILL_OP_CHANGE) && !ev.soft) {
                        int r = rfkill_block_all(g);
                        if (r < 0)
                                return r;
                        g->radios_blocked++;
                        log_struct_errno(LOG_NOTICE, 0, MID_RADIOS_BLOCKED, NULL,
                                         "Safe mode: radio rfkill%u (type %u) was not blocked; soft-blocked.", ev.idx,
                                         ev.type);
                }
        }
}

int netguard_open(NetGuard *g) {
        const char *rfkill;
        int r;

        *g = NETGUARD_NULL;
        r = nl_open(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, &g->events);
        if (r >= 0)
                r = nl_open(0, &g->request);
        if (r < 0)
                return log_error_errno(r, "Cannot open rtnetlink: %m");

        /* REALMBOOT_RFKILL: a test hook, so that a test on a host does not
         * block the host's radios */
        rfkill = test_hook_getenv("REALMBOOT_RFKILL");
        g->rfkill = open(rfkill ? rfkill : "/dev/rfkill", O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (g->rfkill < 0)
                log_info_errno(errno, "No /dev/rfkill (%m): no radios to block.");
        else if ((r = rfkill_block_all(g)) < 0)
                return r;

        /* subscribed before the sweep: a change after it is an event */
        r = sweep(g);
        if (r < 0)
                return log_error_errno(r, "Safe mode: the first sweep of the network links failed: %m");
        return 0;
}

void netguard_close(NetGuard *g) {
        if (g->events >= 0)
                close(g->events);
        if (g->request >= 0)
                close(g->request);
        if (g->rfkill >= 0)
                close(g->rfkill);
        *g = NETGUARD_NULL;
}

int netguard_process(NetGuard *g) {
        uint8_t buf[NL_BUFFER_SIZE];
        int r;

        if (g->rfkill >= 0 && (r = rfkill_process(g)) < 0)
                return r;
        for (;;) {
                ssize_t n = recv(g->events, buf, sizeof buf, MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        if (errno == ENOBUFS) {
                                /* events were lost: look at everything again */
                                log_warning("Safe mode: rtnetlink events overran; sweeping all links again.");
                                r = sweep(g);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        return negative_errno();
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n))
                        (void) handle_message(g, h); /* logged; the guard goes on */
        }
}

int netguard_run(NetGuard *g) {
        for (;;) {
                struct pollfd p[2] = {
                        { .fd = g->events, .events = POLLIN },
                        { .fd = g->rfkill, .events = POLLIN },
                };
                int r;

                if (poll(p, g->rfkill >= 0 ? 2 : 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                r = netguard_process(g);
                if (r < 0)
                        return r;
        }
}

int network_find_up_link(char ret_name[IF_NAMESIZE]) {
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct if_nameindex *list;
        int found = 0;

        if (fd < 0)
                return negative_errno();
        list = if_nameindex();
        if (!list)
                return negative_errno();
        for (struct if_nameindex *i = list; i->if_index != 0 && !found; i++) {
                struct ifreq ifr = {};

                snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", i->if_name);
                if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                        continue; /* gone meanwhile */
                if ((ifr.ifr_flags & IFF_UP) && !(ifr.ifr_flags & IFF_LOOPBACK)) {
                        snprintf(ret_name, IF_NAMESIZE, "%s", i->if_name);
                        found = 1;
                }
        }
        if_freenameindex(list);
        return found;
}
