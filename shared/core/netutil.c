/* netutil.c — host network facts; see netutil.h. */
#include "netutil.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>

void rc_net_default_ip(char *out, size_t cap)
{
    struct ifaddrs *ifs = NULL;
    snprintf(out, cap, "127.0.0.1");
    if (getifaddrs(&ifs) != 0) return;
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        const struct sockaddr_in *a = (const struct sockaddr_in *)i->ifa_addr;
        if ((ntohl(a->sin_addr.s_addr) >> 24) == 127) continue;
        inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)cap);
        break;
    }
    freeifaddrs(ifs);
}
