/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "tpm2.h"
#include "util.h"

#if HAVE_TPM2
#include <tss2_esys.h>
#include <tss2_rc.h>
#include <tss2_tctildr.h>

static TSS2_RC (*sym_Esys_Initialize)(ESYS_CONTEXT **, TSS2_TCTI_CONTEXT *, TSS2_ABI_VERSION *);
static void (*sym_Esys_Finalize)(ESYS_CONTEXT **);
static TSS2_RC (*sym_Esys_Startup)(ESYS_CONTEXT *, TPM2_SU);
static TSS2_RC (*sym_Esys_GetCapability)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, TPM2_CAP, UINT32, UINT32,
                                         TPMI_YES_NO *, TPMS_CAPABILITY_DATA **);
static TSS2_RC (*sym_Esys_PCR_Extend)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, ESYS_TR,
                                      const TPML_DIGEST_VALUES *);
static TSS2_RC (*sym_Esys_PCR_Read)(ESYS_CONTEXT *, ESYS_TR, ESYS_TR, ESYS_TR, const TPML_PCR_SELECTION *, UINT32 *,
                                    TPML_PCR_SELECTION **, TPML_DIGEST **);
static void (*sym_Esys_Free)(void *);
static TSS2_RC (*sym_Tss2_TctiLdr_Initialize)(const char *, TSS2_TCTI_CONTEXT **);
static void (*sym_Tss2_TctiLdr_Finalize)(TSS2_TCTI_CONTEXT **);
static const char *(*sym_Tss2_RC_Decode)(TSS2_RC);

struct Tpm2 {
        TSS2_TCTI_CONTEXT *tcti;
        ESYS_CONTEXT *esys;
};

#define SYM(lib, name)                                                  \
        do {                                                            \
                *(void **) &sym_##name = dlsym(lib, #name);             \
                if (!sym_##name)                                        \
                        return -EOPNOTSUPP;                             \
        } while (0)

/* Loaded once per process, never closed (as systemd: the symbols stay). */
static int load_libraries(void) {
        static int loaded = 0;
        void *esys, *tctildr, *rc;

        if (loaded)
                return loaded > 0 ? 0 : -EOPNOTSUPP;
        loaded = -1;
        /* tpm2-tss logs to stderr by itself; our callers log what failed */
        setenv("TSS2_LOG", "all+none", 0);
        esys = dlopen("libtss2-esys.so.0", RTLD_NOW | RTLD_LOCAL);
        tctildr = dlopen("libtss2-tctildr.so.0", RTLD_NOW | RTLD_LOCAL);
        rc = dlopen("libtss2-rc.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!esys || !tctildr || !rc)
                return -EOPNOTSUPP;
        SYM(esys, Esys_Initialize);
        SYM(esys, Esys_Finalize);
        SYM(esys, Esys_Startup);
        SYM(esys, Esys_GetCapability);
        SYM(esys, Esys_PCR_Extend);
        SYM(esys, Esys_PCR_Read);
        SYM(esys, Esys_Free);
        SYM(tctildr, Tss2_TctiLdr_Initialize);
        SYM(tctildr, Tss2_TctiLdr_Finalize);
        SYM(rc, Tss2_RC_Decode);
        loaded = 1;
        return 0;
}

static const char *tcti_conf(void) {
        const char *e = test_hook_getenv("REALMBOOT_TPM2_TCTI");
        return e ? e : "device:" TPM2_DEVICE;
}

int tpm2_open(Tpm2 **ret, const char **ret_error) {
        Tpm2 *t;
        TSS2_RC rc;

        if (!tpm2_present(0)) {
                *ret_error = "no TPM 2.0 (no /sys/class/tpmrm entry)";
                return -ENODEV;
        }
        if (load_libraries() < 0) {
                *ret_error = "tpm2-tss is not installed (libtss2-esys.so.0, libtss2-tctildr.so.0, libtss2-rc.so.0)";
                return -EOPNOTSUPP;
        }
        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        rc = sym_Tss2_TctiLdr_Initialize(tcti_conf(), &t->tcti);
        if (rc != TSS2_RC_SUCCESS) {
                *ret_error = sym_Tss2_RC_Decode(rc);
                free(t);
                return -ENODEV;
        }
        rc = sym_Esys_Initialize(&t->esys, t->tcti, NULL);
        if (rc == TSS2_RC_SUCCESS) {
                /* the firmware started it up; a swtpm may not have been */
                rc = sym_Esys_Startup(t->esys, TPM2_SU_CLEAR);
                if (rc == TPM2_RC_INITIALIZE)
                        rc = TSS2_RC_SUCCESS;
        }
        if (rc != TSS2_RC_SUCCESS) {
                *ret_error = sym_Tss2_RC_Decode(rc);
                tpm2_close(t);
                return -EIO;
        }
        *ret = t;
        return 0;
}

void tpm2_close(Tpm2 *t) {
        if (!t)
                return;
        if (t->esys)
                sym_Esys_Finalize(&t->esys);
        if (t->tcti)
                sym_Tss2_TctiLdr_Finalize(&t->tcti);
        free(t);
}

int tpm2_pcr_banks(Tpm2 *t, unsigned pcr, uint16_t *ret_algs, size_t *ret_n, const char **ret_error) {
        TPMS_CAPABILITY_DATA *cap = NULL;
        TPMI_YES_NO more = 0;
        TSS2_RC rc;
        size_t n = 0;

        rc = sym_Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_PCRS, 0, 1, &more,
                                    &cap);
        if (rc != TSS2_RC_SUCCESS) {
                *ret_error = sym_Tss2_RC_Decode(rc);
                return -EIO;
        }
        for (UINT32 i = 0; i < cap->data.assignedPCR.count && n < TPM2_BANKS_MAX; i++) {
                const TPMS_PCR_SELECTION *s = &cap->data.assignedPCR.pcrSelections[i];

                if (pcr / 8 < s->sizeofSelect && (s->pcrSelect[pcr / 8] & (1u << (pcr % 8))))
                        ret_algs[n++] = s->hash;
        }
        sym_Esys_Free(cap);
        *ret_n = n;
        return 0;
}

int tpm2_pcr_extend(Tpm2 *t, unsigned pcr, const PcrDigest *digests, size_t n, const char **ret_error) {
        TPML_DIGEST_VALUES v = {};
        TSS2_RC rc;

        if (pcr > 23 || n == 0 || n > TPM2_NUM_PCR_BANKS)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                v.digests[i].hashAlg = digests[i].bank->alg;
                memcpy(&v.digests[i].digest, digests[i].digest, digests[i].bank->size);
        }
        v.count = (UINT32) n;
        rc = sym_Esys_PCR_Extend(t->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &v);
        if (rc != TSS2_RC_SUCCESS) {
                *ret_error = sym_Tss2_RC_Decode(rc);
                return -EIO;
        }
        return 0;
}

int tpm2_pcr_read(Tpm2 *t, unsigned pcr, uint16_t alg, uint8_t *out, size_t *ret_size, const char **ret_error) {
        TPML_PCR_SELECTION sel = { .count = 1 }, *sel_out = NULL;
        TPML_DIGEST *values = NULL;
        UINT32 counter = 0;
        TSS2_RC rc;
        int r = 0;

        if (pcr > 23)
                return -EINVAL;
        sel.pcrSelections[0] = (TPMS_PCR_SELECTION) { .hash = alg, .sizeofSelect = 3 };
        sel.pcrSelections[0].pcrSelect[pcr / 8] = (BYTE) (1u << (pcr % 8));
        rc = sym_Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &counter, &sel_out, &values);
        if (rc != TSS2_RC_SUCCESS) {
                *ret_error = sym_Tss2_RC_Decode(rc);
                return -EIO;
        }
        if (values->count != 1 || values->digests[0].size > PCR_DIGEST_MAX) {
                *ret_error = "the TPM has no such bank";
                r = -ENOENT;
        } else {
                memcpy(out, values->digests[0].buffer, values->digests[0].size);
                *ret_size = values->digests[0].size;
        }
        sym_Esys_Free(sel_out);
        sym_Esys_Free(values);
        return r;
}

#else /* !HAVE_TPM2 */

struct Tpm2 {
        int unused;
};

int tpm2_open(Tpm2 **ret, const char **ret_error) {
        (void) ret;
        *ret_error = "realmboot was built without tpm2-tss";
        return -EOPNOTSUPP;
}

void tpm2_close(Tpm2 *t) {
        (void) t;
}

int tpm2_pcr_banks(Tpm2 *t, unsigned pcr, uint16_t *ret_algs, size_t *ret_n, const char **ret_error) {
        (void) t, (void) pcr, (void) ret_algs, (void) ret_n;
        *ret_error = "realmboot was built without tpm2-tss";
        return -EOPNOTSUPP;
}

int tpm2_pcr_extend(Tpm2 *t, unsigned pcr, const PcrDigest *digests, size_t n, const char **ret_error) {
        (void) t, (void) pcr, (void) digests, (void) n;
        *ret_error = "realmboot was built without tpm2-tss";
        return -EOPNOTSUPP;
}

int tpm2_pcr_read(Tpm2 *t, unsigned pcr, uint16_t alg, uint8_t *out, size_t *ret_size, const char **ret_error) {
        (void) t, (void) pcr, (void) alg, (void) out, (void) ret_size;
        *ret_error = "realmboot was built without tpm2-tss";
        return -EOPNOTSUPP;
}
#endif

static bool have_tpmrm(void) {
        _cleanup_free_ char *p = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (path_with_root("/sys/class/tpmrm", &p) < 0 || !(d = opendir(p)))
                return false;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        return true;
        return false;
}

static bool firmware_has_tpm2(void) {
        _cleanup_free_ char *p = NULL;

        return path_with_root("/sys/firmware/acpi/tables/TPM2", &p) >= 0 && access(p, F_OK) == 0;
}

bool tpm2_announced(void) {
        return test_hook_getenv("REALMBOOT_TPM2_TCTI") || have_tpmrm() || firmware_has_tpm2();
}

bool tpm2_present(uint64_t timeout_usec) {
        struct timespec start, now;

        if (test_hook_getenv("REALMBOOT_TPM2_TCTI"))
                return true;
        if (have_tpmrm())
                return true;
        /* the firmware announces a TPM 2.0: its driver may still be loading */
        if (timeout_usec == 0 || !firmware_has_tpm2())
                return false;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                usleep(100 * 1000);
                if (have_tpmrm())
                        return true;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if ((uint64_t) (now.tv_sec - start.tv_sec) * 1000000u + (uint64_t) (now.tv_nsec - start.tv_nsec) / 1000 >=
                    timeout_usec)
                        return false;
        }
}
