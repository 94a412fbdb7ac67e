// The pod sandbox's process for the local provider's node (scripts/cluster.sh): holds the pod's namespaces
// and does nothing else, like Kubernetes' own pause. Built static, so its image is FROM scratch.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) { _exit(128 + sig); }

// As the pid 1 of a shared pid namespace it also reaps orphans.
static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  if (getpid() != 1) {
    // Not a sandbox: refuse, like upstream's pause, so it is never left running by mistake.
    return 1;
  }
  struct sigaction term = {.sa_handler = stop}, child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
  sigaction(SIGINT, &term, NULL);
  sigaction(SIGTERM, &term, NULL);
  sigaction(SIGCHLD, &child, NULL);
  for (;;) pause();
}
