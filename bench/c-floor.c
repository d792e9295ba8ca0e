/*
 * The bench's floor: what a naive VFIO collector written in C does each cycle.
 * For every numeric directory of PROCFS: read status and limits whole, list fd/
 * and readlink every entry. Prints the processes and fd links it saw, so the bench
 * can check it did the whole work, and the time its loop took (ms, CLOCK_MONOTONIC). Built by bench/c-floor.ts with gcc -O2.
 *   c-floor PROCFS
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[65536];

static void read_whole(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  while (read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: c-floor PROCFS\n");
    return 2;
  }
  DIR *proc = opendir(argv[1]);
  if (!proc) {
    perror(argv[1]);
    return 1;
  }
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  long processes = 0, links = 0;
  char path[4096], target[4096];
  struct dirent *entry;
  while ((entry = readdir(proc)) != NULL) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    processes++;
    snprintf(path, sizeof path, "%s/%s/status", argv[1], entry->d_name);
    read_whole(path);
    snprintf(path, sizeof path, "%s/%s/limits", argv[1], entry->d_name);
    read_whole(path);
    snprintf(path, sizeof path, "%s/%s/fd", argv[1], entry->d_name);
    DIR *fds = opendir(path);
    if (!fds) continue;
    struct dirent *fd;
    while ((fd = readdir(fds)) != NULL) {
      if (fd->d_name[0] == '.') continue;
      snprintf(path, sizeof path, "%s/%s/fd/%s", argv[1], entry->d_name, fd->d_name);
      if (readlink(path, target, sizeof target) >= 0) links++;
    }
    closedir(fds);
  }
  closedir(proc);
  clock_gettime(CLOCK_MONOTONIC, &end);
  double ms = (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6;
  printf("%ld %ld %.3f\n", processes, links, ms);
  return 0;
}
