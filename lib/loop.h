/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Loop devices over a part of an image file.  libcryptsetup reads the verity
 * data device from offset 0, and a RealmFS image has its 4096-byte header
 * first, so the data area is exposed as a loop device starting at 4096 (the
 * same arrangement Citadel uses). */

typedef struct LoopDevice {
        int fd;       /* open on the loop device; closing it lets autoclear detach */
        char *path;   /* /dev/loopN */
        int nr;
} LoopDevice;

#define LOOP_DEVICE_NULL ((LoopDevice) { .fd = -1, .path = NULL, .nr = -1 })

typedef enum LoopFlags {
        LOOP_READ_ONLY = 0,
        LOOP_WRITABLE = 1 << 0,  /* the image fd must be open read-write */
        LOOP_DIRECT_IO = 1 << 1, /* avoids double caching on a real disk (dropped if refused) */
} LoopFlags;

/* Attaches the open image file_fd[offset, offset+sizelimit) (sizelimit 0 =
 * to the end) to a free loop device, read-only unless LOOP_WRITABLE, with
 * LO_FLAGS_AUTOCLEAR so the device goes away when its last user closes it.
 * The caller's descriptor is what the device reads: the file that was
 * checked is the file that is attached, whatever its path names meanwhile. */
int loop_device_attach_fd(int file_fd, uint64_t offset, uint64_t sizelimit, LoopFlags flags, LoopDevice *ret);

/* Closes our fd (autoclear then detaches once unused) and frees the path. */
void loop_device_release(LoopDevice *d);

/* Clears the loop device explicitly (LOOP_CLR_FD), for detach. */
int loop_device_detach_path(const char *path);

/* Clears every loop device whose backing file's path starts with prefix
 * (what a killed run of ours left over its temporary files); how many. */
int loop_devices_detach_backing(const char *prefix);
