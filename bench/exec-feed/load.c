// Fixed process-start load: fork + exec /bin/true every 1000/RATE ms (default 20/s), until killed.
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int rate = argc > 1 ? atoi(argv[1]) : 20;
  if (rate <= 0) rate = 20;
  long step = 1000000000L / rate;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (;;) {
    pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/true", "true", (char*)0);
      _exit(127);
    }
    if (pid > 0) waitpid(pid, 0, 0);
    next.tv_nsec += step;
    while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, 0);
  }
}
