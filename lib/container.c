/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>

#include "container.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "process.h"
#include "util.h"

/* The calling process, once, in a mount namespace of its own whose mounts
 * do not propagate back (systemd's MS_SLAVE|MS_REC). */
static int enter_private_namespace(void) {
        static bool entered;

        if (entered)
                return 0;
        if (unshare(CLONE_NEWNS) < 0)
                return log_error_errno(errno, "Cannot enter a private mount namespace: %m");
        if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return log_error_errno(errno, "Cannot make the mount namespace private: %m");
        entered = true;
        return 0;
}

/* A mount point of this run's own (CONTAINER_MOUNT_DIR/NAME.XXXXXX): what a
 * killed earlier run left, or its namespace still dying, is never ours. */
static int mount_dir(const char *name, char **ret) {
        if (mkdir(CONTAINER_MOUNT_DIR, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "%s: cannot create: %m", CONTAINER_MOUNT_DIR);
        if (asprintf(ret, CONTAINER_MOUNT_DIR "/%s.XXXXXX", name) < 0)
                return log_oom();
        if (!mkdtemp(*ret))
                return log_error_errno(errno, "%s: cannot create: %m", *ret);
        return 0;
}

/* Whether the tree at root has path, resolved inside it: an absolute
 * symlink (/bin -> /usr/bin) must not lead to the host's files. */
static bool tree_has(int root, const char *path) {
        struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
        int fd = (int) syscall(SYS_openat2, root, path, &how, sizeof how);

        if (fd < 0)
                return false;
        close(fd);
        return true;
}

/* Waits for pid; its exit status, or 128 + signal. */
static int wait_status(pid_t pid) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

/* nspawn's container is a PID namespace of its own whose processes do not
 * die with nspawn.  So nspawn runs as a child of the init (PID 1) of a PID
 * namespace made for it: when realmfsctl dies, even by SIGKILL, its helper
 * and then that init die (PR_SET_PDEATHSIG), and the kernel kills every
 * process in the namespace, the nested container's too.  The helper only
 * exists because a process can make a PID namespace only for its
 * children, once.  Returns the exit status of argv (128 + signal when
 * killed). */
static int run_in_pid_namespace(char *const argv[], int *ret_status) {
        pid_t self = getpid(), helper;
        int status;

        helper = fork();
        if (helper < 0)
                return negative_errno();
        if (helper == 0) {
                pid_t init;

                process_die_with_parent(self);
                if (unshare(CLONE_NEWPID) < 0)
                        _exit(127);
                init = fork();
                if (init < 0)
                        _exit(127);
                if (init == 0) {
                        pid_t payload;

                        /* PID 1 of the namespace: its own /proc, so that
                         * nspawn sees the processes it starts */
                        /* its parent is outside the namespace: getppid() is 0 */
                        process_die_with_parent(0);
                        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
                            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                                _exit(127);
                        payload = fork();
                        if (payload < 0)
                                _exit(127);
                        if (payload == 0) {
                                process_die_with_parent(1);
                                execv(argv[0], argv);
                                _exit(127);
                        }
                        _exit(wait_status(payload));
                }
                _exit(wait_status(init));
        }
        status = wait_status(helper);
        if (status < 0)
                return -ECHILD;
        *ret_status = status;
        return 0;
}

static int run_nspawn(const char *dir, const char *name, char *const command[], int *ret_status) {
        _cleanup_free_ char *directory = NULL, *machine = NULL;
        _cleanup_close_ int root = -1;
        const char *argv[64];
        size_t n = 0;
        int r;

        if (asprintf(&directory, "--directory=%s", dir) < 0 || asprintf(&machine, "--machine=update-%s", name) < 0)
                return log_oom();
        argv[n++] = SYSTEMD_NSPAWN;
        argv[n++] = "--quiet";
        argv[n++] = directory;
        argv[n++] = machine;
        /* offline: a loopback device and nothing else */
        argv[n++] = "--private-network";
        /* only what the command changes goes into the image */
        argv[n++] = "--timezone=off";
        argv[n++] = "--resolv-conf=off";
        argv[n++] = "--link-journal=no";
        /* No scope unit of its own: nspawn would ask systemd for one with
         * its PID as our PID namespace numbers it, which names another
         * process outside (and where systemd is not PID 1 there is no one
         * to ask).  It stays in the unit or session it was started from. */
        argv[n++] = "--register=no";
        argv[n++] = "--keep-unit";
        /* a terminal: nspawn's own interactive console; else our stdin
         * and stdout are the command's (commands piped to the shell) */
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
                argv[n++] = "--console=pipe";
        argv[n++] = "--as-pid2";
        argv[n++] = "--";
        if (command && command[0])
                for (size_t i = 0; command[i]; i++) {
                        if (n >= ELEMENTSOF(argv) - 1)
                                return log_error_errno(E2BIG, "%s: too many arguments for the command", name);
                        argv[n++] = command[i];
                }
        else {
                root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (root < 0)
                        return log_error_errno(errno, "%s: %m", dir);
                argv[n++] = tree_has(root, "bin/bash") ? "/bin/bash" : "/bin/sh";
        }
        argv[n] = NULL;

        r = run_in_pid_namespace((char *const *) argv, ret_status);
        if (r < 0)
                return log_error_errno(r, "%s: cannot run %s: %m", name, SYSTEMD_NSPAWN);
        return 0;
}

int container_run(const char *device, const char *name, char *const command[], int *ret_status) {
        _cleanup_free_ char *dir = NULL;
        int r, k;

        r = enter_private_namespace();
        if (r < 0)
                return r;
        r = mount_dir(name, &dir);
        if (r < 0)
                return r;
        if (mount(device, dir, "ext4", 0, NULL) < 0) {
                r = log_error_errno(errno, "%s: cannot mount %s read-write: %m", name, device);
                (void) rmdir(dir);
                return r;
        }
        r = run_nspawn(dir, name, command, ret_status);
        if (umount2(dir, 0) < 0 && (k = log_error_errno(errno, "%s: cannot unmount %s: %m", name, dir)) < 0)
                return k;
        (void) rmdir(dir);
        return r;
}

int container_remove_debris(const char *name) {
        _cleanup_closedir_ DIR *d = opendir(CONTAINER_MOUNT_DIR);
        _cleanup_free_ char *prefix = NULL, *lock_prefix = NULL;
        struct dirent *de;
        int n = 0;

        if (!d)
                return 0;
        if (asprintf(&prefix, "%s.", name) < 0 || asprintf(&lock_prefix, ".#%s.", name) < 0)
                return log_oom();
        while ((de = readdir(d))) {
                /* nspawn's lock of a directory, .#DIR.lck, which it removes when it exits */
                if (string_has_prefix(de->d_name, lock_prefix) && string_has_suffix(de->d_name, ".lck"))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
                else if (string_has_prefix(de->d_name, prefix) && strlen(de->d_name) == strlen(prefix) + 6 &&
                         unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == 0)
                        n++;
        }
        return n;
}
