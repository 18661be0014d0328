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
/* Denied unless the capability is kept (C_NONE: always denied). */
static const struct { long nr; int cap; } deny[] = {
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
};

#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define EPERM_ (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define ENOSYS_ (SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))
#define CLONE_NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
                        CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
                        CLONE_NEWCGROUP)
#endif

int seccomp_apply(uint64_t caps)
{
#ifndef NATIVE_ARCH
  (void)caps;
  return 0;
#else
  struct sock_filter f[2 * ARRAY_LEN(deny) + 24];
  struct sock_fprog prog;
  int admin = (caps >> C_SYS_ADMIN) & 1;
  size_t n = 0;

  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                        offsetof(struct seccomp_data, arch));
  /* another ABI (i386 on x86_64, arm on arm64) has other numbers: this
   * list does not describe it, so it is refused outright */
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                        NATIVE_ARCH, 1, 0);
  f[n++] = (struct sock_filter)RET(EPERM_);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                        offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
  /* x32 shares the arch value: its numbers have bit 30 set */
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
                                        0x40000000, 0, 1);
  f[n++] = (struct sock_filter)RET(EPERM_);
#endif
  for (size_t i = 0; i < ARRAY_LEN(deny); i++) {
    if (deny[i].cap != C_NONE && ((caps >> deny[i].cap) & 1)) continue;
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          deny[i].nr, 0, 1);
    f[n++] = (struct sock_filter)RET(EPERM_);
  }
  if (!admin) {
    /* clone3 passes its flags in memory BPF cannot read: ENOSYS makes
     * the libc use clone, whose flags are checked here */
#ifdef SYS_clone3
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          SYS_clone3, 0, 1);
    f[n++] = (struct sock_filter)RET(ENOSYS_);
#endif
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          SYS_clone, 0, 3);
    /* flags: the low word of the first argument (little endian) */
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data,
                                                   args[0]));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
                                          CLONE_NS_FLAGS, 0, 1);
    f[n++] = (struct sock_filter)RET(EPERM_);
  }
  f[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
  prog.len = n;
  prog.filter = f;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
    return pfail("seccomp");
  return 0;
#endif
}
