/*
 * A harmless stand-in for scenario tests. Its behaviour comes from the environment only, so its argv and file
 * name can mimic anything (a miner's options, a bot's name) without changing what it does. Everything it touches is
 * on loopback, and it always ends: after MWS_LIFE seconds (at most 120) or when its parent dies.
 *   MWS_LIFE=secs         how long to live (default 30)
 *   MWS_BURN=n            spin n threads (a CPU burner)
 *   MWS_NICE=n            scheduling priority (-20..19), so a burner is busy even on a loaded test machine
 *   MWS_CPU=n             run on CPU n only (so a test can make a burner compete for one CPU)
 *   MWS_POOL=ip:port      connect, send a stratum login line, then a keepalive every 2 s (low volume)
 *   MWS_IRC=ip:port       connect, send NICK/USER/JOIN
 *   MWS_LISTEN=ip:port    listen and accept (a server)
 *   MWS_CHILD=command     run /bin/sh -c command as a child (what an exploited server would start)
 *   MWS_DAEMON=1          detach like a dropped payload (parent pid 1), printing the new pid on stdout
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *spin(void *arg) {
  volatile unsigned long x = 0;
  (void)arg;
  for (;;) x++;
  return NULL;
}

static int addr_of(const char *spec, struct sockaddr_in *sa) {
  char host[64];
  const char *colon = strrchr(spec, ':');
  if (!colon || (size_t)(colon - spec) >= sizeof host) return -1;
  memcpy(host, spec, (size_t)(colon - spec));
  host[colon - spec] = 0;
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((unsigned short)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) return -1;
  /* loopback only: a stand-in never talks to anything else */
  if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127) return -1;
  return 0;
}

static int dial(const char *spec) {
  struct sockaddr_in sa;
  if (addr_of(spec, &sa) != 0) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void say(int fd, const char *s) {
  if (fd >= 0 && write(fd, s, strlen(s)) < 0) {
  }
}

int main(void) {
  if (getenv("MWS_DAEMON")) {
    pid_t p = fork();
    if (p < 0) return 1;
    if (p > 0) {
      printf("%d\n", (int)p);
      fflush(stdout);
      _exit(0);
    }
    setsid();
    int nul = open("/dev/null", O_RDWR);
    if (nul >= 0) dup2(nul, 1);
  } else {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
  }
  const char *life_s = getenv("MWS_LIFE");
  int life = life_s ? atoi(life_s) : 30;
  if (life <= 0 || life > 120) life = 30;
  if (getenv("MWS_NICE")) setpriority(PRIO_PROCESS, 0, atoi(getenv("MWS_NICE")));
  if (getenv("MWS_CPU")) {
    /* set before the burner threads exist, so they inherit it */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(atoi(getenv("MWS_CPU")), &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  const char *burn = getenv("MWS_BURN");
  for (int i = 0; burn && i < atoi(burn) && i < 4; i++) {
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);
  }
  const char *child = getenv("MWS_CHILD");
  if (child && fork() == 0) {
    /* the child starts clean: it must not detach, burn or run this command again */
    const char *mine[] = {"MWS_CHILD", "MWS_DAEMON", "MWS_BURN", "MWS_POOL", "MWS_IRC", "MWS_LISTEN"};
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) unsetenv(mine[i]);
    execl("/bin/sh", "sh", "-c", child, (char *)NULL);
    _exit(127);
  }
  int listener = -1;
  const char *listen_s = getenv("MWS_LISTEN");
  if (listen_s) {
    struct sockaddr_in sa;
    if (addr_of(listen_s, &sa) == 0) {
      listener = socket(AF_INET, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind(listener, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(listener, 8) != 0) listener = -1;
    }
  }
  int pool = getenv("MWS_POOL") ? dial(getenv("MWS_POOL")) : -1;
  say(pool, "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"standin\",\"pass\":\"x\","
            "\"agent\":\"XMRig/6.21.0 (Linux x86_64)\",\"algo\":[\"rx/0\"]}}\n");
  int irc = getenv("MWS_IRC") ? dial(getenv("MWS_IRC")) : -1;
  say(irc, "NICK standin\r\nUSER standin 0 * :standin\r\nJOIN #standin\r\n");
  time_t end = time(NULL) + life;
  while (time(NULL) < end) {
    sleep(2);
    say(pool, "{\"id\":2,\"jsonrpc\":\"2.0\",\"method\":\"keepalived\",\"params\":{\"id\":\"1\"}}\n");
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  }
  if (listener >= 0) close(listener);
  return 0;
}
