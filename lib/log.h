/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

/* Logging: one line per event.  Programs run by a person (realmfsctl) write
 * to stderr; programs run by systemd (generator, unlock helper) write to the
 * journal with structured fields, or to /dev/kmsg when the journal is not up
 * yet (generators run before journald).  Every log_*_errno() returns the
 * negative errno it was given, so "return log_error_errno(r, ...)" works. */

typedef enum LogTarget {
        LOG_TARGET_STDERR,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_KMSG,
        LOG_TARGET_AUTO, /* journal if stderr is connected to it, else stderr */
} LogTarget;

void log_setup(const char *ident, LogTarget target);
void log_set_max_level(int level);
int log_get_max_level(void);

/* The functions behind the macros below; MESSAGE_ID and extra
 * "FIELD=value" lines go to the journal with log_struct_errno().  On stderr and
 * the kernel log only the message is shown. */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) _printf_(6, 7);
int log_struct_internal(int level, int error, const char *file, int line, const char *func,
                        const char *message_id, const char *extra_field, const char *format, ...)
        _printf_(8, 9);

#define log_full_errno(level, error, ...) \
        log_internal(level, error, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, e, __VA_ARGS__)

/* A message with a catalog MESSAGE_ID (32 hex chars) and extra journal
 * fields: "FIELD=value" lines separated by '\n' (NULL for none; at most 16). */
#define log_struct_errno(level, error, message_id, extra_field, ...) \
        log_struct_internal(level, error, __FILE__, __LINE__, __func__, message_id, extra_field, __VA_ARGS__)

/* Returns -ENOMEM after logging it, for allocation failures. */
int log_oom_internal(const char *file, int line, const char *func);
#define log_oom() log_oom_internal(__FILE__, __LINE__, __func__)
