/*
 * vfio-cases: a small VFIO type1 user that drives the kernel through each accounting
 * case of docs/kernel.md, so the lab can compare pinwatch's view with the kernel's.
 *
 *   vfio-cases <case> --group /dev/vfio/N [--group2 /dev/vfio/M] [--sync-dir DIR]
 *              [--size-mib N] [--memlock-mib N] [--rounds N] [--kprobes-toggle FILE|none]
 *              [--probes on|off] [--label NAME]
 *
 * Cases: written, zero-page, partial-unmap, two-containers, memlock-exceeded,
 *        exit-without-unmap, cost.
 *
 * Output: one JSON object per line on stdout. At each interesting point the program prints
 * {"event":"hold","case":..,"point":..,...} and waits until DIR/<pid>.<point>.go exists
 * (the lab runner samples /proc, pinwatch and bpftrace meanwhile), at most 120 s.
 * Numbers: pages are 4 KiB pages, VmLck in kB as /proc/self/status shows it.
 *
 * Kernel facts relied on (drivers/vfio/vfio_iommu_type1.c, 6.1):
 * - vfio_dma_do_map() pins and charges in the caller's context; vfio_pin_pages_remote()
 *   checks RLIMIT_MEMLOCK unless dma->lock_cap (capable(CAP_IPC_LOCK) at map time).
 * - type1v2 refuses an unmap that bisects a mapping (vfio_dma_do_unmap: -EINVAL).
 * - on exit the container fd is released after exit_mm(), so the final un-charge
 *   (vfio_lock_acct async) finds no mm and returns -ESRCH.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE_BYTES 4096UL
#define MIB (1024UL * 1024UL)
#define HUGE_BYTES (2UL * MIB)

static const char *g_case = "?";
static const char *g_sync_dir = NULL;

static void emit(const char *fmt, ...)
{
	va_list ap;
	printf("{\"case\":\"%s\",\"pid\":%d,", g_case, (int)getpid());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("}\n");
	fflush(stdout);
}

static void die(const char *what)
{
	int err = errno;
	emit("\"event\":\"fatal\",\"what\":\"%s\",\"errno\":%d,\"error\":\"%s\"", what, err, strerror(err));
	exit(2);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* VmLck (mm->locked_vm, kB) from /proc/self/status. */
static long vmlck_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	if (!f)
		die("open /proc/self/status");
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void thp_mode(char *out, size_t n)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char buf[128] = "", *l, *r;
	snprintf(out, n, "unknown");
	if (!f)
		return;
	if (fgets(buf, sizeof buf, f) && (l = strchr(buf, '[')) && (r = strchr(l, ']'))) {
		*r = 0;
		snprintf(out, n, "%s", l + 1);
	}
	fclose(f);
}

/* Waits for the runner's go-file for this point; the runner samples pinwatch meanwhile. */
static void hold(const char *point, const char *extra_fmt, ...)
{
	char extra[512] = "";
	char path[512];
	va_list ap;
	if (extra_fmt) {
		va_start(ap, extra_fmt);
		vsnprintf(extra, sizeof extra, extra_fmt, ap);
		va_end(ap);
	}
	emit("\"event\":\"hold\",\"point\":\"%s\",\"vmlckKb\":%ld%s%s", point, vmlck_kb(),
	     extra[0] ? "," : "", extra);
	if (!g_sync_dir)
		return;
	snprintf(path, sizeof path, "%s/%d.%s.go", g_sync_dir, (int)getpid(), point);
	for (int i = 0; i < 1200; i++) {
		if (access(path, F_OK) == 0)
			return;
		usleep(100 * 1000);
	}
	emit("\"event\":\"hold-timeout\",\"point\":\"%s\"", point);
}

struct container {
	int container_fd;
	int group_fd;
};

static void attach_group(struct container *c, const char *group_path, int *group_fd);

/* One container; group_path2 (may be NULL) joins the same container before VFIO_SET_IOMMU,
 * so both groups share one type1 IOMMU and every mapping is pinned and charged once. */
static struct container open_container_groups(const char *group_path, const char *group_path2, int *group_fd2)
{
	struct container c;
	c.container_fd = open("/dev/vfio/vfio", O_RDWR);
	if (c.container_fd < 0)
		die("open /dev/vfio/vfio");
	if (ioctl(c.container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("VFIO_GET_API_VERSION");
	if (!ioctl(c.container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
		die("VFIO_CHECK_EXTENSION type1v2");
	attach_group(&c, group_path, &c.group_fd);
	if (group_path2)
		attach_group(&c, group_path2, group_fd2);
	/* EPERM here means no interrupt remapping (intel-iommu intremap=off). */
	if (ioctl(c.container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	return c;
}

static void attach_group(struct container *c, const char *group_path, int *group_fd)
{
	struct vfio_group_status status = { .argsz = sizeof status };
	*group_fd = open(group_path, O_RDWR);
	if (*group_fd < 0)
		die(group_path);
	if (ioctl(*group_fd, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EINVAL;
		die("group not viable (all its devices must be bound to vfio-pci)");
	}
	if (ioctl(*group_fd, VFIO_GROUP_SET_CONTAINER, &c->container_fd))
		die("VFIO_GROUP_SET_CONTAINER");
}

static struct container open_container(const char *group_path)
{
	return open_container_groups(group_path, NULL, NULL);
}

/* Returns 0 or errno; *ms gets the ioctl's duration. */
static int map_dma(int container_fd, void *vaddr, uint64_t iova, uint64_t size, int writable, double *ms)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof map,
		.flags = VFIO_DMA_MAP_FLAG_READ | (writable ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};
	double t0 = now_ms();
	int rc = ioctl(container_fd, VFIO_IOMMU_MAP_DMA, &map);
	int err = rc ? errno : 0;
	if (ms)
		*ms = now_ms() - t0;
	return err;
}

static int unmap_dma(int container_fd, uint64_t iova, uint64_t size, uint64_t *unmapped, double *ms)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof unmap,
		.iova = iova,
		.size = size,
	};
	double t0 = now_ms();
	int rc = ioctl(container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	int err = rc ? errno : 0;
	if (ms)
		*ms = now_ms() - t0;
	if (unmapped)
		*unmapped = rc ? 0 : unmap.size;
	return err;
}

/* Anonymous memory aligned to 2 MiB, so THP (and the huge zero page) can back it. */
static void *alloc_aligned(size_t bytes)
{
	size_t span = bytes + HUGE_BYTES;
	uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t aligned;
	if (raw == MAP_FAILED)
		die("mmap");
	aligned = ((uintptr_t)raw + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
	return (void *)aligned;
}

static void *alloc_written(size_t bytes)
{
	uint8_t *p = alloc_aligned(bytes);
	for (size_t off = 0; off < bytes; off += PAGE_BYTES)
		p[off] = (uint8_t)(off / PAGE_BYTES) | 1;
	return p;
}

/* Only ever read: every page maps the shared zero page (4 KiB, or the huge zero page
 * when THP is "always" and use_zero_page is on). */
static void *alloc_zero_read(size_t bytes)
{
	volatile uint8_t *p = alloc_aligned(bytes);
	unsigned sum = 0;
	for (size_t off = 0; off < bytes; off += PAGE_BYTES)
		sum += p[off];
	if (sum)
		die("zero page not zero");
	return (void *)p;
}

static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data))
		return errno;
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].inheritable &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data))
		return errno;
	return 0;
}

struct options {
	const char *group;
	const char *group2;
	size_t size_bytes;
	size_t memlock_bytes;
	int rounds;
	const char *kprobes_toggle;
	int probes_on;
	const char *label;
};

#define IOVA_BASE 0x100000000ULL

/* Unmap the whole mapping of a single-mapping case, report what the kernel
 * released (VmLck before/after) and hold at "released". */
static int unmap_and_report(const struct container *c, const struct options *o, long vmlck_mapped_kb)
{
	double unmap_ms;
	uint64_t unmapped;
	int err = unmap_dma(c->container_fd, IOVA_BASE, o->size_bytes, &unmapped, &unmap_ms);
	long released = vmlck_kb();
	emit("\"event\":\"unmap\",\"errno\":%d,\"unmappedPages\":%llu,\"vmlckAfterKb\":%ld,"
	     "\"releasedPages\":%ld,\"unmapMs\":%.3f",
	     err, (unsigned long long)(unmapped / PAGE_BYTES), released, (vmlck_mapped_kb - released) / 4, unmap_ms);
	hold("released", NULL);
	return err ? 1 : 0;
}

static int case_written(const struct options *o)
{
	struct container c = open_container(o->group);
	size_t pages = o->size_bytes / PAGE_BYTES;
	void *buf = alloc_written(o->size_bytes);
	long before = vmlck_kb();
	double map_ms;
	int err = map_dma(c.container_fd, buf, IOVA_BASE, o->size_bytes, 1, &map_ms);
	long after = vmlck_kb();
	emit("\"event\":\"map\",\"errno\":%d,\"mappedPages\":%zu,\"expectedChargePages\":%zu,"
	     "\"vmlckBeforeKb\":%ld,\"vmlckAfterKb\":%ld,\"chargedPages\":%ld,\"mapMs\":%.3f",
	     err, err ? 0 : pages, pages, before, after, (after - before) / 4, map_ms);
	if (err)
		return 1;
	hold("mapped", "\"mappedPages\":%zu", pages);
	return unmap_and_report(&c, o, after);
}

/* touched: every page read first (maps the zero page); untouched: never accessed at all,
 * so the pin itself faults the range in (read fault: the zero page again on <= 6.1). */
static int case_read_only(const struct options *o, int touched)
{
	char thp[32];
	struct container c = open_container(o->group);
	size_t pages = o->size_bytes / PAGE_BYTES;
	void *buf = touched ? alloc_zero_read(o->size_bytes) : alloc_aligned(o->size_bytes);
	long before = vmlck_kb();
	double map_ms;
	int err;
	thp_mode(thp, sizeof thp);
	/* Read-only DMA mapping: vfio pins without FOLL_WRITE, so no copy-on-write
	 * breaks the zero page mapping (vaddr_get_pfns, 6.1). */
	err = map_dma(c.container_fd, buf, IOVA_BASE, o->size_bytes, 0, &map_ms);
	long after = vmlck_kb();
	emit("\"event\":\"map\",\"thp\":\"%s\",\"errno\":%d,\"mappedPages\":%zu,"
	     "\"vmlckBeforeKb\":%ld,\"vmlckAfterKb\":%ld,\"chargedPages\":%ld,\"mapMs\":%.3f",
	     thp, err, err ? 0 : pages, before, after, (after - before) / 4, map_ms);
	if (err)
		return 1;
	hold("mapped", "\"mappedPages\":%zu,\"thp\":\"%s\"", pages, thp);
	return unmap_and_report(&c, o, after);
}

/* Four adjacent mappings of size/4; unmap the middle two, try a bisecting unmap
 * (type1v2: EINVAL, nothing released), then unmap the rest. */
static int case_partial_unmap(const struct options *o)
{
	struct container c = open_container(o->group);
	size_t chunk = o->size_bytes / 4;
	size_t chunk_pages = chunk / PAGE_BYTES;
	uint8_t *buf = alloc_written(o->size_bytes);
	long before = vmlck_kb();
	double ms;
	uint64_t unmapped;
	int err;
	for (int i = 0; i < 4; i++) {
		err = map_dma(c.container_fd, buf + i * chunk, IOVA_BASE + i * chunk, chunk, 1, &ms);
		if (err) {
			emit("\"event\":\"map\",\"errno\":%d,\"chunk\":%d", err, i);
			return 1;
		}
	}
	long after = vmlck_kb();
	emit("\"event\":\"map\",\"errno\":0,\"mappings\":4,\"mappedPages\":%zu,\"expectedChargePages\":%zu,"
	     "\"vmlckBeforeKb\":%ld,\"vmlckAfterKb\":%ld,\"chargedPages\":%ld",
	     4 * chunk_pages, 4 * chunk_pages, before, after, (after - before) / 4);
	hold("mapped", "\"mappedPages\":%zu", 4 * chunk_pages);

	err = unmap_dma(c.container_fd, IOVA_BASE + chunk, 2 * chunk, &unmapped, &ms);
	long mid = vmlck_kb();
	emit("\"event\":\"unmap-middle\",\"errno\":%d,\"unmappedPages\":%llu,\"vmlckAfterKb\":%ld,"
	     "\"releasedPages\":%ld,\"expectedReleasedPages\":%zu",
	     err, (unsigned long long)(unmapped / PAGE_BYTES), mid, (after - mid) / 4, 2 * chunk_pages);
	if (err)
		return 1;

	int bisect_err = unmap_dma(c.container_fd, IOVA_BASE + chunk / 2, chunk, &unmapped, &ms);
	long bisect = vmlck_kb();
	emit("\"event\":\"unmap-bisect\",\"errno\":%d,\"unmappedPages\":%llu,\"vmlckAfterKb\":%ld",
	     bisect_err, (unsigned long long)(unmapped / PAGE_BYTES), bisect);
	hold("partial", "\"remainingPages\":%zu", 2 * chunk_pages);

	err = unmap_dma(c.container_fd, IOVA_BASE, o->size_bytes, &unmapped, &ms);
	long released = vmlck_kb();
	emit("\"event\":\"unmap\",\"errno\":%d,\"unmappedPages\":%llu,\"vmlckAfterKb\":%ld,\"releasedPages\":%ld",
	     err, (unsigned long long)(unmapped / PAGE_BYTES), released, (after - released) / 4);
	hold("released", NULL);
	return (err || bisect_err != EINVAL) ? 1 : 0;
}

/* The same buffer in two containers (one per edu group): each container pins and
 * charges it, so VmLck grows twice (docs/kernel.md). */
static int case_two_containers(const struct options *o)
{
	struct container a = open_container(o->group);
	struct container b = open_container(o->group2);
	size_t pages = o->size_bytes / PAGE_BYTES;
	void *buf = alloc_written(o->size_bytes);
	long before = vmlck_kb();
	double ms_a, ms_b;
	uint64_t unmapped;
	int err_a = map_dma(a.container_fd, buf, IOVA_BASE, o->size_bytes, 1, &ms_a);
	long mid = vmlck_kb();
	int err_b = map_dma(b.container_fd, buf, IOVA_BASE, o->size_bytes, 1, &ms_b);
	long after = vmlck_kb();
	emit("\"event\":\"map\",\"errno\":%d,\"errnoSecond\":%d,\"mappedPages\":%zu,\"expectedChargePages\":%zu,"
	     "\"vmlckBeforeKb\":%ld,\"vmlckFirstKb\":%ld,\"vmlckAfterKb\":%ld,\"chargedPages\":%ld",
	     err_a, err_b, 2 * pages, 2 * pages, before, mid, after, (after - before) / 4);
	if (err_a || err_b)
		return 1;
	hold("mapped", "\"mappedPages\":%zu", 2 * pages);
	int err = unmap_dma(a.container_fd, IOVA_BASE, o->size_bytes, &unmapped, NULL);
	err |= unmap_dma(b.container_fd, IOVA_BASE, o->size_bytes, &unmapped, NULL);
	long released = vmlck_kb();
	emit("\"event\":\"unmap\",\"errno\":%d,\"vmlckAfterKb\":%ld,\"releasedPages\":%ld",
	     err, released, (after - released) / 4);
	hold("released", NULL);
	return err ? 1 : 0;
}

/* Over RLIMIT_MEMLOCK without CAP_IPC_LOCK: MAP_DMA fails with ENOMEM and the kernel logs
 * "vfio_pin_pages_remote: RLIMIT_MEMLOCK (<limit bytes>) exceeded". */
static int case_memlock_exceeded(const struct options *o)
{
	struct container c = open_container(o->group);
	struct rlimit lim = { .rlim_cur = o->memlock_bytes, .rlim_max = o->memlock_bytes };
	size_t pages = o->size_bytes / PAGE_BYTES;
	void *buf = alloc_written(o->size_bytes);
	double ms;
	if (setrlimit(RLIMIT_MEMLOCK, &lim))
		die("setrlimit RLIMIT_MEMLOCK");
	int cap_err = drop_ipc_lock();
	if (cap_err) {
		errno = cap_err;
		die("capset drop CAP_IPC_LOCK");
	}
	long before = vmlck_kb();
	int err = map_dma(c.container_fd, buf, IOVA_BASE, o->size_bytes, 1, &ms);
	long after = vmlck_kb();
	emit("\"event\":\"map\",\"errno\":%d,\"error\":\"%s\",\"requestedPages\":%zu,\"memlockLimitBytes\":%zu,"
	     "\"vmlckBeforeKb\":%ld,\"vmlckAfterKb\":%ld,\"expectedLogLine\":"
	     "\"vfio_pin_pages_remote: RLIMIT_MEMLOCK (%zu) exceeded\"",
	     err, strerror(err), pages, o->memlock_bytes, before, after, o->memlock_bytes);
	hold("failed", "\"errno\":%d", err);
	return err == ENOMEM ? 0 : 1;
}

/* One container holding both groups: one MAP_DMA, pinned and charged once. */
static int case_two_groups(const struct options *o)
{
	int group_fd2 = -1;
	struct container c = open_container_groups(o->group, o->group2, &group_fd2);
	size_t pages = o->size_bytes / PAGE_BYTES;
	void *buf = alloc_written(o->size_bytes);
	long before = vmlck_kb();
	double map_ms;
	int err = map_dma(c.container_fd, buf, IOVA_BASE, o->size_bytes, 1, &map_ms);
	long after = vmlck_kb();
	emit("\"event\":\"map\",\"errno\":%d,\"groups\":2,\"mappedPages\":%zu,\"expectedChargePages\":%zu,"
	     "\"vmlckBeforeKb\":%ld,\"vmlckAfterKb\":%ld,\"chargedPages\":%ld,\"mapMs\":%.3f",
	     err, err ? 0 : pages, pages, before, after, (after - before) / 4, map_ms);
	if (err)
		return 1;
	hold("mapped", "\"mappedPages\":%zu", pages);
	return unmap_and_report(&c, o, after);
}

/* Maps, then closes the group and container fds without unmapping while the process
 * keeps running: the last close releases the container (vfio_iommu_type1_release ->
 * vfio_remove_dma) in this process's context, with its mm alive, so every page is
 * unpinned and un-charged. */
static int case_close_without_unmap(const struct options *o)
{
	struct container c = open_container(o->group);
	size_t pages = o->size_bytes / PAGE_BYTES;
	void *buf = alloc_written(o->size_bytes);
	long before = vmlck_kb();
	double map_ms;
	int err = map_dma(c.container_fd, buf, IOVA_BASE, o->size_bytes, 1, &map_ms);
	long after = vmlck_kb();
	emit("\"event\":\"map\",\"errno\":%d,\"mappedPages\":%zu,\"expectedChargePages\":%zu,"
	     "\"vmlckBeforeKb\":%ld,\"vmlckAfterKb\":%ld,\"chargedPages\":%ld,\"mapMs\":%.3f",
	     err, err ? 0 : pages, pages, before, after, (after - before) / 4, map_ms);
	if (err)
		return 1;
	hold("mapped", "\"mappedPages\":%zu", pages);
	if (close(c.group_fd) || close(c.container_fd))
		die("close");
	long closed = vmlck_kb();
	emit("\"event\":\"close\",\"vmlckAfterKb\":%ld,\"releasedPages\":%ld", closed, (after - closed) / 4);
	hold("closed", NULL);
	return 0;
}

/* Maps and exits: the container is released after the mm is gone (exit_mm() runs before
 * exit_files()), so the pages are unpinned but the un-charge returns -ESRCH. */
static int case_exit_without_unmap(const struct options *o)
{
	struct container c = open_container(o->group);
	size_t pages = o->size_bytes / PAGE_BYTES;
	void *buf = alloc_written(o->size_bytes);
	long before = vmlck_kb();
	double ms;
	int err = map_dma(c.container_fd, buf, IOVA_BASE, o->size_bytes, 1, &ms);
	long after = vmlck_kb();
	emit("\"event\":\"map\",\"errno\":%d,\"mappedPages\":%zu,\"expectedChargePages\":%zu,"
	     "\"vmlckBeforeKb\":%ld,\"vmlckAfterKb\":%ld,\"chargedPages\":%ld",
	     err, err ? 0 : pages, pages, before, after, (after - before) / 4);
	if (err)
		return 1;
	hold("mapped", "\"mappedPages\":%zu", pages);
	emit("\"event\":\"exit\",\"stillMappedPages\":%zu", pages);
	_exit(0);
}

static int write_toggle(const char *path, int on)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	int rc = write(fd, on ? "1" : "0", 1) == 1 ? 0 : errno;
	close(fd);
	return rc;
}

/* Probe cost: MAP_DMA of size bytes, written memory vs read-only zero-page memory (with
 * THP off: one vfio_pin_pages_remote call per 4 KiB page). Either the program alternates
 * itself by arming/disarming every kprobe through debugfs kprobes/enabled (probes stay
 * attached; only for kprobe-based scripts, fentry is not affected), or, with
 * --kprobes-toggle none, it measures one fixed state named by --probes on|off and the
 * runner alternates by attaching and detaching the probe script between runs.
 * One unmeasured warm-up map per memory kind first (IOMMU page-table allocation). */
static int case_cost(const struct options *o)
{
	struct container c = open_container(o->group);
	void *written = alloc_written(o->size_bytes);
	void *zero = alloc_zero_read(o->size_bytes);
	int toggling = strcmp(o->kprobes_toggle, "none") != 0;
	char thp[32];
	thp_mode(thp, sizeof thp);
	for (int m = 0; m < 2; m++) {
		uint64_t unmapped;
		if (map_dma(c.container_fd, m ? zero : written, IOVA_BASE, o->size_bytes, !m, NULL) ||
		    unmap_dma(c.container_fd, IOVA_BASE, o->size_bytes, &unmapped, NULL))
			die("cost warm-up MAP_DMA/UNMAP_DMA");
	}
	for (int r = 0; r < o->rounds; r++) {
		for (int k = 0; k < (toggling ? 2 : 1); k++) {
			int probes = toggling ? (r + k) % 2 : o->probes_on; /* ABBA when toggling */
			if (toggling) {
				int terr = write_toggle(o->kprobes_toggle, probes);
				if (terr) {
					errno = terr;
					die("write kprobes toggle");
				}
			}
			for (int m = 0; m < 2; m++) {
				double map_ms, unmap_ms;
				uint64_t unmapped;
				int err = map_dma(c.container_fd, m ? zero : written, IOVA_BASE, o->size_bytes, !m, &map_ms);
				if (err) {
					errno = err;
					die("cost MAP_DMA");
				}
				if (unmap_dma(c.container_fd, IOVA_BASE, o->size_bytes, &unmapped, &unmap_ms))
					die("cost UNMAP_DMA");
				emit("\"event\":\"cost-sample\",\"probeSet\":\"%s\",\"round\":%d,\"memory\":\"%s\",\"thp\":\"%s\","
				     "\"sizePages\":%zu,\"probes\":%s,\"mapMs\":%.3f,\"unmapMs\":%.3f",
				     o->label, r, m ? "zero-page" : "written", thp, o->size_bytes / PAGE_BYTES,
				     probes ? "true" : "false", map_ms, unmap_ms);
			}
		}
	}
	if (toggling)
		write_toggle(o->kprobes_toggle, 1);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vfio-cases <written|zero-page|untouched-read-only|partial-unmap|two-containers|two-groups|"
		"memlock-exceeded|exit-without-unmap|close-without-unmap|cost> --group /dev/vfio/N [--group2 /dev/vfio/M] [--sync-dir DIR]\n"
		"       [--size-mib N] [--memlock-mib N] [--rounds N] [--kprobes-toggle FILE|none]\n"
		"       [--probes on|off] [--label NAME]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	struct options o = {
		.size_bytes = 64 * MIB,
		.memlock_bytes = 32 * MIB,
		.rounds = 6,
		.kprobes_toggle = "/sys/kernel/debug/kprobes/enabled",
		.probes_on = 1,
		.label = "probes",
	};
	if (argc < 2)
		usage();
	g_case = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (!strcmp(a, "--group"))
			o.group = v;
		else if (!strcmp(a, "--group2"))
			o.group2 = v;
		else if (!strcmp(a, "--sync-dir"))
			g_sync_dir = v;
		else if (!strcmp(a, "--size-mib"))
			o.size_bytes = strtoul(v, NULL, 10) * MIB;
		else if (!strcmp(a, "--memlock-mib"))
			o.memlock_bytes = strtoul(v, NULL, 10) * MIB;
		else if (!strcmp(a, "--rounds"))
			o.rounds = atoi(v);
		else if (!strcmp(a, "--kprobes-toggle"))
			o.kprobes_toggle = v;
		else if (!strcmp(a, "--probes"))
			o.probes_on = !strcmp(v, "on");
		else if (!strcmp(a, "--label"))
			o.label = v;
		else
			usage();
		i++;
	}
	if (!o.group || o.size_bytes < 4 * HUGE_BYTES || o.rounds < 1)
		usage();
	emit("\"event\":\"start\",\"sizePages\":%zu,\"vmlckKb\":%ld", o.size_bytes / PAGE_BYTES, vmlck_kb());
	if (!strcmp(g_case, "written"))
		return case_written(&o);
	if (!strncmp(g_case, "zero-page", 9))
		return case_read_only(&o, 1);
	if (!strcmp(g_case, "untouched-read-only"))
		return case_read_only(&o, 0);
	if (!strcmp(g_case, "close-without-unmap"))
		return case_close_without_unmap(&o);
	if (!strcmp(g_case, "two-groups")) {
		if (!o.group2)
			usage();
		return case_two_groups(&o);
	}
	if (!strcmp(g_case, "partial-unmap"))
		return case_partial_unmap(&o);
	if (!strcmp(g_case, "two-containers")) {
		if (!o.group2)
			usage();
		return case_two_containers(&o);
	}
	if (!strcmp(g_case, "memlock-exceeded"))
		return case_memlock_exceeded(&o);
	if (!strcmp(g_case, "exit-without-unmap"))
		return case_exit_without_unmap(&o);
	if (!strcmp(g_case, "cost"))
		return case_cost(&o);
	usage();
	return 64;
}
