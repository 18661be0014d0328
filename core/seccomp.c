/* seccomp.c - a BPF deny-list after Docker's default profile */
#include "core/seccomp.h"
#include "core/util.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* The kernel's ABI (linux/filter.h, linux/seccomp.h, linux/audit.h):
 * musl-gcc has no kernel headers, and these never change. */
struct sock_filter { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };
struct seccomp_data {
  int nr;
  uint32_t arch;
  uint64_t instruction_pointer;
  uint64_t args[6];
};
#define BPF_LD 0x00
#define BPF_JMP 0x05
#define BPF_JA 0x00
#define BPF_RET 0x06
#define BPF_W 0x00
#define BPF_ABS 0x20
#define BPF_JEQ 0x10
#define BPF_JGE 0x30
#define BPF_JSET 0x40
#define BPF_K 0x00
#define BPF_STMT(c, v) { (uint16_t)(c), 0, 0, (uint32_t)(v) }
#define BPF_JUMP(c, v, t, f) { (uint16_t)(c), (t), (f), (uint32_t)(v) }
#define SECCOMP_MODE_FILTER 2
#define SECCOMP_RET_ALLOW 0x7fff0000U
#define SECCOMP_RET_ERRNO 0x00050000U
#define SECCOMP_RET_DATA 0x0000ffffU
#define AUDIT_ARCH_X86_64 0xc000003eU
#define AUDIT_ARCH_AARCH64 0xc00000b7U
#define AUDIT_ARCH_ARM 0x40000028U
#define AUDIT_ARCH_I386 0x40000003U
#define AUDIT_ARCH_RISCV64 0xc00000f3U

/* see seccomp.h */

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define NATIVE_ARCH AUDIT_ARCH_ARM
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH AUDIT_ARCH_RISCV64
#endif

/* capability numbers (linux/capability.h) */
enum {
  C_NONE = -1, C_SYS_MODULE = 16, C_SYS_RAWIO = 17, C_SYS_CHROOT = 18,
  C_SYS_PTRACE = 19, C_SYS_PACCT = 20, C_SYS_ADMIN = 21, C_SYS_BOOT = 22,
  C_SYS_NICE = 23, C_SYS_TIME = 25, C_SYS_TTY_CONFIG = 26, C_SYSLOG = 34,
  C_PERFMON = 38, C_BPF = 39,
};

#ifdef NATIVE_ARCH
struct rule { long nr; int cap; };

/* Denied unless the capability is kept (C_NONE: always denied). */
static const struct rule deny[] = {
  /* no capability makes these safe in a container */
  { SYS_add_key, C_NONE }, { SYS_keyctl, C_NONE },
  { SYS_request_key, C_NONE }, { SYS_kexec_load, C_NONE },
#ifdef SYS_kexec_file_load
  { SYS_kexec_file_load, C_NONE },
#endif
  { SYS_open_by_handle_at, C_NONE }, { SYS_swapon, C_NONE },
  { SYS_swapoff, C_NONE }, { SYS_userfaultfd, C_NONE },
#ifdef SYS_uselib
  { SYS_uselib, C_NONE },
#endif
#ifdef SYS_ustat
  { SYS_ustat, C_NONE },
#endif
#ifdef SYS_sysfs
  { SYS_sysfs, C_NONE },
#endif
#ifdef SYS__sysctl
  { SYS__sysctl, C_NONE },
#endif
#ifdef SYS_io_uring_setup
  { SYS_io_uring_setup, C_NONE }, { SYS_io_uring_enter, C_NONE },
  { SYS_io_uring_register, C_NONE },
#endif
  /* with the capability Docker pairs them with */
  { SYS_init_module, C_SYS_MODULE }, { SYS_finit_module, C_SYS_MODULE },
  { SYS_delete_module, C_SYS_MODULE }, { SYS_acct, C_SYS_PACCT },
  { SYS_reboot, C_SYS_BOOT }, { SYS_chroot, C_SYS_CHROOT },
  { SYS_ptrace, C_SYS_PTRACE }, { SYS_process_vm_readv, C_SYS_PTRACE },
  { SYS_process_vm_writev, C_SYS_PTRACE }, { SYS_kcmp, C_SYS_PTRACE },
#ifdef SYS_iopl
  { SYS_iopl, C_SYS_RAWIO }, { SYS_ioperm, C_SYS_RAWIO },
#endif
  { SYS_settimeofday, C_SYS_TIME }, { SYS_clock_settime, C_SYS_TIME },
  { SYS_vhangup, C_SYS_TTY_CONFIG }, { SYS_syslog, C_SYSLOG },
  { SYS_mbind, C_SYS_NICE }, { SYS_set_mempolicy, C_SYS_NICE },
  { SYS_move_pages, C_SYS_NICE }, { SYS_bpf, C_BPF },
  { SYS_perf_event_open, C_PERFMON }, { SYS_mount, C_SYS_ADMIN },
  { SYS_umount2, C_SYS_ADMIN }, { SYS_pivot_root, C_SYS_ADMIN },
  { SYS_unshare, C_SYS_ADMIN }, { SYS_setns, C_SYS_ADMIN },
  { SYS_quotactl, C_SYS_ADMIN }, { SYS_name_to_handle_at, C_SYS_ADMIN },
  { SYS_fanotify_init, C_SYS_ADMIN }, { SYS_lookup_dcookie, C_SYS_ADMIN },
  { SYS_sethostname, C_SYS_ADMIN }, { SYS_setdomainname, C_SYS_ADMIN },
#ifdef SYS_open_tree
  { SYS_open_tree, C_SYS_ADMIN }, { SYS_move_mount, C_SYS_ADMIN },
  { SYS_fsopen, C_SYS_ADMIN }, { SYS_fsconfig, C_SYS_ADMIN },
  { SYS_fsmount, C_SYS_ADMIN }, { SYS_fspick, C_SYS_ADMIN },
#endif
#ifdef SYS_mount_setattr
  { SYS_mount_setattr, C_SYS_ADMIN },
#endif
};

/* The 32-bit ABI the kernel also runs natively (i386 images on x86_64,
 * arm/v7 images on arm64): the same list in its own numbers, from the
 * kernel's tables (arch/x86/entry/syscalls/syscall_32.tbl,
 * arch/arm/tools/syscall.tbl, EABI), with the calls only it has. */
#if defined(__x86_64__)
#define COMPAT_ARCH AUDIT_ARCH_I386
static const struct rule deny32[] = {
  /* add_key, request_key, keyctl, kexec_load, open_by_handle_at */
  { 286, C_NONE }, { 287, C_NONE }, { 288, C_NONE }, { 283, C_NONE },
  { 342, C_NONE },
  /* swapon, swapoff, userfaultfd, uselib, ustat, sysfs, _sysctl */
  { 87, C_NONE }, { 115, C_NONE }, { 374, C_NONE }, { 86, C_NONE },
  { 62, C_NONE }, { 135, C_NONE }, { 149, C_NONE },
  /* io_uring_setup, _enter, _register; vm86, vm86old */
  { 425, C_NONE }, { 426, C_NONE }, { 427, C_NONE }, { 166, C_NONE },
  { 113, C_NONE },
  /* init_module, finit_module, delete_module, acct, reboot, chroot */
  { 128, C_SYS_MODULE }, { 350, C_SYS_MODULE }, { 129, C_SYS_MODULE },
  { 51, C_SYS_PACCT }, { 88, C_SYS_BOOT }, { 61, C_SYS_CHROOT },
  /* ptrace, process_vm_readv, _writev, kcmp, iopl, ioperm */
  { 26, C_SYS_PTRACE }, { 347, C_SYS_PTRACE }, { 348, C_SYS_PTRACE },
  { 349, C_SYS_PTRACE }, { 110, C_SYS_RAWIO }, { 101, C_SYS_RAWIO },
  /* settimeofday, clock_settime, clock_settime64, stime */
  { 79, C_SYS_TIME }, { 264, C_SYS_TIME }, { 404, C_SYS_TIME },
  { 25, C_SYS_TIME },
  /* vhangup, syslog, mbind, set_mempolicy, move_pages, bpf,
   * perf_event_open */
  { 111, C_SYS_TTY_CONFIG }, { 103, C_SYSLOG }, { 274, C_SYS_NICE },
  { 276, C_SYS_NICE }, { 317, C_SYS_NICE }, { 357, C_BPF },
  { 336, C_PERFMON },
  /* mount, umount, umount2, pivot_root, unshare, setns, quotactl,
   * name_to_handle_at, fanotify_init, lookup_dcookie, sethostname,
   * setdomainname, open_tree, move_mount, fsopen, fsconfig, fsmount,
   * fspick, mount_setattr */
  { 21, C_SYS_ADMIN }, { 22, C_SYS_ADMIN }, { 52, C_SYS_ADMIN },
  { 217, C_SYS_ADMIN }, { 310, C_SYS_ADMIN }, { 346, C_SYS_ADMIN },
  { 131, C_SYS_ADMIN }, { 341, C_SYS_ADMIN }, { 338, C_SYS_ADMIN },
  { 253, C_SYS_ADMIN }, { 74, C_SYS_ADMIN }, { 121, C_SYS_ADMIN },
  { 428, C_SYS_ADMIN }, { 429, C_SYS_ADMIN }, { 430, C_SYS_ADMIN },
  { 431, C_SYS_ADMIN }, { 432, C_SYS_ADMIN }, { 433, C_SYS_ADMIN },
  { 442, C_SYS_ADMIN },
};
#elif defined(__aarch64__)
#define COMPAT_ARCH AUDIT_ARCH_ARM
static const struct rule deny32[] = {
  /* add_key, request_key, keyctl, kexec_load, kexec_file_load,
   * open_by_handle_at */
  { 309, C_NONE }, { 310, C_NONE }, { 311, C_NONE }, { 347, C_NONE },
  { 401, C_NONE }, { 371, C_NONE },
  /* swapon, swapoff, userfaultfd, uselib, ustat, sysfs, _sysctl */
  { 87, C_NONE }, { 115, C_NONE }, { 388, C_NONE }, { 86, C_NONE },
  { 62, C_NONE }, { 135, C_NONE }, { 149, C_NONE },
  /* io_uring_setup, _enter, _register */
  { 425, C_NONE }, { 426, C_NONE }, { 427, C_NONE },
  /* init_module, finit_module, delete_module, acct, reboot, chroot */
  { 128, C_SYS_MODULE }, { 379, C_SYS_MODULE }, { 129, C_SYS_MODULE },
  { 51, C_SYS_PACCT }, { 88, C_SYS_BOOT }, { 61, C_SYS_CHROOT },
  /* ptrace, process_vm_readv, _writev, kcmp */
  { 26, C_SYS_PTRACE }, { 376, C_SYS_PTRACE }, { 377, C_SYS_PTRACE },
  { 378, C_SYS_PTRACE },
  /* settimeofday, clock_settime, clock_settime64 */
  { 79, C_SYS_TIME }, { 262, C_SYS_TIME }, { 404, C_SYS_TIME },
  /* vhangup, syslog, mbind, set_mempolicy, move_pages, bpf,
   * perf_event_open */
  { 111, C_SYS_TTY_CONFIG }, { 103, C_SYSLOG }, { 319, C_SYS_NICE },
  { 321, C_SYS_NICE }, { 344, C_SYS_NICE }, { 386, C_BPF },
  { 364, C_PERFMON },
  /* mount, umount2, pivot_root, unshare, setns, quotactl,
   * name_to_handle_at, fanotify_init, lookup_dcookie, sethostname,
   * setdomainname, open_tree, move_mount, fsopen, fsconfig, fsmount,
   * fspick, mount_setattr */
  { 21, C_SYS_ADMIN }, { 52, C_SYS_ADMIN }, { 218, C_SYS_ADMIN },
  { 337, C_SYS_ADMIN }, { 375, C_SYS_ADMIN }, { 131, C_SYS_ADMIN },
  { 370, C_SYS_ADMIN }, { 367, C_SYS_ADMIN }, { 249, C_SYS_ADMIN },
  { 74, C_SYS_ADMIN }, { 121, C_SYS_ADMIN }, { 428, C_SYS_ADMIN },
  { 429, C_SYS_ADMIN }, { 430, C_SYS_ADMIN }, { 431, C_SYS_ADMIN },
  { 432, C_SYS_ADMIN }, { 433, C_SYS_ADMIN }, { 442, C_SYS_ADMIN },
};
#endif
/* clone and clone3 in both 32-bit ABIs */
#define CLONE32 120
#define CLONE3_32 435

#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define EPERM_ (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define ENOSYS_ (SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))
#define CLONE_NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
                        CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
                        CLONE_NEWCGROUP)
#endif

#ifdef NATIVE_ARCH
/* One ABI's part of the program: load the number, deny the table's (but
 * those the kept capabilities allow), check clone's namespace flags,
 * allow the rest. */
static size_t emit(struct sock_filter *f, size_t n, const struct rule *r,
                   size_t nr, uint64_t caps, long clone, long clone3, int x32)
{
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                        offsetof(struct seccomp_data, nr));
  if (x32) {
    /* x32 shares x86_64's arch value: its numbers have bit 30 set */
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
                                          0x40000000, 0, 1);
    f[n++] = (struct sock_filter)RET(EPERM_);
  }
  for (size_t i = 0; i < nr; i++) {
    if (r[i].cap != C_NONE && ((caps >> r[i].cap) & 1)) continue;
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          r[i].nr, 0, 1);
    f[n++] = (struct sock_filter)RET(EPERM_);
  }
  if (!((caps >> C_SYS_ADMIN) & 1)) {
    /* clone3 passes its flags in memory BPF cannot read: ENOSYS makes
     * the libc use clone, whose flags are checked here */
    if (clone3 >= 0) {
      f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                            clone3, 0, 1);
      f[n++] = (struct sock_filter)RET(ENOSYS_);
    }
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          clone, 0, 3);
    /* flags: the first argument's low word (little endian; in both ABIs
     * clone takes its flags first) */
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data,
                                                   args[0]));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
                                          CLONE_NS_FLAGS, 0, 1);
    f[n++] = (struct sock_filter)RET(EPERM_);
  }
  f[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
  return n;
}
#endif

int seccomp_apply(uint64_t caps)
{
#ifndef NATIVE_ARCH
  (void)caps;
  return 0;
#else
#ifndef COMPAT_ARCH
  static const struct rule deny32[1];
#endif
  struct sock_filter f[2 * ARRAY_LEN(deny) + 2 * ARRAY_LEN(deny32) + 40];
  struct sock_fprog prog;
  size_t n = 0, ja;
#ifdef SYS_clone3
  long clone3 = SYS_clone3;
#else
  long clone3 = -1;
#endif
#ifdef __x86_64__
  int x32 = 1;
#else
  int x32 = 0;
#endif

  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                        offsetof(struct seccomp_data, arch));
#ifdef COMPAT_ARCH
  /* the compat ABI jumps over the native part (BPF_JA: no 255 limit) */
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                        COMPAT_ARCH, 0, 1);
  ja = n++;
#else
  ja = 0;
#endif
  /* any other ABI has numbers this list does not describe: refused */
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                        NATIVE_ARCH, 1, 0);
  f[n++] = (struct sock_filter)RET(EPERM_);
  n = emit(f, n, deny, ARRAY_LEN(deny), caps, SYS_clone, clone3, x32);
#ifdef COMPAT_ARCH
  f[ja] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, n - ja - 1);
  n = emit(f, n, deny32, ARRAY_LEN(deny32), caps, CLONE32, CLONE3_32, 0);
#else
  (void)ja;
#endif
  prog.len = n;
  prog.filter = f;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
    return pfail("seccomp");
  return 0;
#endif
}
