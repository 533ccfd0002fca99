/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One writer per image: every verb that writes NAME-realmfs.img (or a new
 * image NEW) holds <dir>/.#NAME-realmfs.img.lock (flock, never waited for),
 * and then removes what a killed run left beside the image: its temporary
 * files .#NAME-realmfs.img.XXXXXX, which are never the image itself. */

/* Takes the lock of image path (…/NAME-realmfs.img): the fd, or -EBUSY
 * (logged: another run works on it, the lock file named). */
int image_lock(const char *image_path);

/* With the lock held: removes the temporary files a killed run left beside
 * image_path, saying so in one line.  Returns how many. */
int image_remove_debris(const char *image_path);
