#!/usr/bin/python3
"""realmboot benchmarks, each side by side with the tool a user would
otherwise use, measured in the same run.  Prints every figure as a ratio
(ours / reference) with the absolute medians, and writes a JSON file.

Usage: bench.py --build DIR [--small] [--out FILE] [--only SECTION,...]
Sections: generator verify unlock create vm seal.  Run it through bench/run.
With --only a subset, the other sections' results already in FILE (of a run
of the same size) are kept; "partial_runs" says when each section was run.
"""
import argparse, json, os, platform, re, shlex, shutil, statistics, subprocess, sys, tempfile, time

SHM = "/dev/shm"
SECTIONS = ["generator", "verify", "unlock", "create", "vm", "seal"]
PASSPHRASE = "realmboot bench passphrase"


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def hyperfine(commands, runs, warmup=1, prepare=None, env=None):
    """Medians (ms) and spreads of shell commands, measured by hyperfine in
    one invocation (alternating is up to hyperfine: it runs them in turn)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["hyperfine", "--style", "none", "--runs", str(runs), "--warmup", str(warmup),
                "--export-json", out.name]
        for c in commands:
            if prepare:
                args += ["--prepare", prepare]
            args.append(c)
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
        res = json.load(open(out.name))["results"]
    return [{"median_ms": r["median"] * 1e3, "min_ms": r["min"] * 1e3, "max_ms": r["max"] * 1e3,
             "stddev_ms": (r["stddev"] or 0) * 1e3, "runs": len(r["times"])} for r in res]


def stats(t):
    return {"median_ms": statistics.median(t), "min_ms": min(t), "max_ms": max(t),
            "stddev_ms": statistics.stdev(t) if len(t) > 1 else 0.0, "runs": len(t)}


def alternate(commands, runs, warmup=1, prepare=None, env=None, parse=None):
    """Medians (ms) of commands run in turn, run after run (A B C A B C ...),
    so that drift of a shared machine over a long measurement hits all of
    them alike; prepare (a shell command, not timed) runs before each.  A
    command without shell syntax runs directly, else through /bin/sh.
    parse: per command None (wall-clock time) or a function of its stderr
    giving the figure in ms (the wall-clock time then goes to "wall")."""
    argvs = [shlex.split(c) if not re.search(r"[;&|<>]", c) else ["/bin/sh", "-c", c] for c in commands]
    parse = parse or [None] * len(commands)
    times = [[] for _ in commands]
    walls = [[] for _ in commands]
    for i in range(warmup + runs):
        for k, argv in enumerate(argvs):
            if prepare:
                subprocess.run(prepare, shell=True, check=True, env=env)
            t = time.perf_counter()
            p = subprocess.run(argv, stdout=subprocess.DEVNULL, env=env, text=True,
                               stderr=subprocess.PIPE if parse[k] else subprocess.DEVNULL)
            dt = (time.perf_counter() - t) * 1e3
            if p.returncode != 0:
                raise RuntimeError("%s: exit %d%s" % (commands[k], p.returncode, ": " + p.stderr if p.stderr else ""))
            if i >= warmup:
                times[k].append(parse[k](p.stderr) if parse[k] else dt)
                walls[k].append(dt)
    res = [stats(t) for t in times]
    for k in range(len(commands)):
        if parse[k]:
            res[k]["wall"] = stats(walls[k])
    return res


def peak_rss_kib(cmd, env=None):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("%s failed" % cmd[0])
    return ru.ru_maxrss


def instructions(cmd, env=None):
    """Instructions executed (callgrind), or None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                       capture_output=True, text=True, env=env)
    m = re.search(r"Collected : (\d+)", p.stderr)
    return int(m.group(1)) if m else None


def ratio(a, b):
    return round(a / b, 3) if b else None


def line(label, ours, ref, unit="ms", extra=""):
    print("  %-34s ours %10.2f %s   ref %10.2f %s   ratio %6.3f %s" % (label, ours, unit, ref, unit, ours / ref, extra))


# ---- 1. generator vs systemd-fstab-generator -------------------------------

def bench_generator(a, work):
    fstab_gen = "/lib/systemd/system-generators/systemd-fstab-generator"
    gen = os.path.join(a.build, "generator/realmboot-generator")
    sizes = [1, 10, 100] if a.small else [1, 10, 100, 1000]
    print("\n1. realmboot-generator vs systemd-fstab-generator (same number of mount units, output on tmpfs)")
    rows = []
    for n in sizes:
        root = os.path.join(work, "gen-%d" % n)
        images = os.path.join(root, "storage/realms/realmfs-images")
        os.makedirs(images)
        with open(os.path.join(root, "fstab"), "w") as fstab:
            for i in range(n):
                d = os.path.join(root, "realms/realm-r%d" % i)
                os.makedirs(d)
                with open(os.path.join(d, "config"), "w") as f:
                    f.write('realmfs = "fs%d"\nautostart = %s\n' % (i, "true" if i % 2 else "false"))
                open(os.path.join(images, "fs%d-realmfs.img" % i), "w").close()
                fstab.write("/dev/mapper/realmfs-fs%d /run/realmfs/fs%d ext4 ro,nodev,nosuid 0 0\n" % (i, i))
        out = os.path.join(work, "gen-out")
        ours_env = "REALMBOOT_ROOT=%s REALMBOOT_CMDLINE= REALMBOOT_LOG_TARGET=stderr" % root
        ref_env = "SYSTEMD_FSTAB=%s/fstab SYSTEMD_PROC_CMDLINE= SYSTEMD_IN_INITRD=0 SYSTEMD_LOG_LEVEL=err" % root
        cmds = ["env %s %s %s/n %s/e %s/l" % (ours_env, gen, out, out, out),
                "env %s %s %s/n %s/e %s/l" % (ref_env, fstab_gen, out, out, out)]
        # same work: both write N mount units
        counts = []
        for c in cmds:
            shutil.rmtree(out, ignore_errors=True)
            for s in "nel":
                os.makedirs(os.path.join(out, s))
            subprocess.run(c, shell=True, check=True, stderr=subprocess.DEVNULL)
            counts.append(sum(1 for dp, dn, fn in os.walk(out) for f in fn
                              if f.endswith(".mount") and not os.path.islink(os.path.join(dp, f))))
        if counts != [n, n]:
            raise RuntimeError("generator bench: mount units %s, expected %d each" % (counts, n))
        prep = "rm -rf %s && mkdir -p %s/n %s/e %s/l" % (out, out, out, out)
        runs = 10 if a.small else (30 if n < 1000 else 15)
        ours, ref = hyperfine(cmds, runs, warmup=2, prepare=prep)
        envs = []
        for e in (ours_env, ref_env):
            env = dict(os.environ)
            env.update(kv.split("=", 1) for kv in e.split())
            envs.append(env)
        argv_out = [os.path.join(out, s) for s in "nel"]
        subprocess.run(prep, shell=True, check=True)
        rss = [peak_rss_kib([gen] + argv_out, envs[0])]
        subprocess.run(prep, shell=True, check=True)
        rss.append(peak_rss_kib([fstab_gen] + argv_out, envs[1]))
        ins = [None, None]
        if not a.small:
            subprocess.run(prep, shell=True, check=True)
            ins[0] = instructions([gen] + argv_out, envs[0])
            subprocess.run(prep, shell=True, check=True)
            ins[1] = instructions([fstab_gen] + argv_out, envs[1])
        row = {"n": n, "ours": ours, "ref": ref, "ratio": ratio(ours["median_ms"], ref["median_ms"]),
               "ours_peak_rss_kib": rss[0], "ref_peak_rss_kib": rss[1],
               "ours_instructions": ins[0], "ref_instructions": ins[1],
               "instructions_ratio": ratio(ins[0], ins[1]) if ins[0] and ins[1] else None}
        rows.append(row)
        extra = "  RSS %d / %d KiB" % (rss[0], rss[1])
        if row["instructions_ratio"]:
            extra += "  instr %.2fM / %.2fM (%.3f)" % (ins[0] / 1e6, ins[1] / 1e6, row["instructions_ratio"])
        line("N=%d" % n, ours["median_ms"], ref["median_ms"], extra=extra)
        shutil.rmtree(root)
    big, small = rows[-1], rows[-2]
    growth = {"n_from": small["n"], "n_to": big["n"],
              "ours_time_growth": ratio(big["ours"]["median_ms"], small["ours"]["median_ms"]),
              "ref_time_growth": ratio(big["ref"]["median_ms"], small["ref"]["median_ms"])}
    print("  growth N=%d -> N=%d: ours x%.2f, ref x%.2f (linear would be x%d)" %
          (small["n"], big["n"], growth["ours_time_growth"], growth["ref_time_growth"], big["n"] // small["n"]))
    return {"rows": rows, "growth": growth}


# ---- shared: a keyring and images -------------------------------------------

class Keys:
    def __init__(self, a, work):
        self.ctl = os.path.join(a.build, "tool/realmfsctl")
        self.pass_file = os.path.join(work, "passphrase")
        with open(self.pass_file, "w") as f:
            f.write(PASSPHRASE)
        self.keyring = os.path.join(work, "keyring")
        if not os.path.exists(self.keyring):
            sh(self.ctl, "keyring", "init", "--keyring", self.keyring, "--passphrase-file", self.pass_file)
        self.public = sh(self.ctl, "keyring", "show-public", "--keyring", self.keyring,
                         "--passphrase-file", self.pass_file).strip()

    def create(self, name, content, path):
        """realmfsctl create, signed with this keyring; returns the metainfo."""
        sh(self.ctl, "create", "--name", name, "--from", content, "--keyring", self.keyring,
           "--passphrase-file", self.pass_file, path)
        return json.loads(sh(self.ctl, "inspect", "--json", path))["metainfo"]


def make_content(d, mib):
    """mib MiB of incompressible files in d (16 MiB each at most)."""
    os.makedirs(d, exist_ok=True)
    left, i = mib, 0
    while left > 0:
        n = min(16, left)
        with open(os.path.join(d, "blob%03d" % i), "wb") as f:
            f.write(os.urandom(n << 20))
        left -= n
        i += 1


def can_drop_caches():
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1")
        return True
    except OSError:
        return False


# ---- 2. verify vs veritysetup verify -------------------------------------------

def bench_verify(a, work, keys):
    sizes = [8] if a.small else [64, 1024]
    cold = can_drop_caches()
    print("\n2. realmfsctl verify vs veritysetup verify (same image; sha256sum of the same bytes as the floor);\n"
          "   the first attach of a tree-less image vs veritysetup format of its data (same salt)")
    rows, tree_rows = [], []
    for mib in sizes:
        content = os.path.join(work, "content-%d" % mib)
        make_content(content, mib)
        img = os.path.join(work, "bench%d-realmfs.img" % mib)
        meta = keys.create("bench%d" % mib, content, img)
        shutil.rmtree(content)
        nblocks, root = meta["nblocks"], meta["verity-root"]
        loop = sh("losetup", "--show", "-r", "-f", "-o", "4096", img).strip()
        try:
            ours_cmd = "%s verify --public-key %s %s" % (keys.ctl, keys.public, img)
            ref_cmd = "veritysetup verify %s %s %s --hash-offset=%d" % (loop, loop, root, nblocks * 4096)
            floor_cmd = "sha256sum %s" % loop
            runs = 3 if a.small else (10 if mib < 1024 else 6)
            for state in (["warm", "cold"] if cold else ["warm"]):
                prep = "sync; echo 3 > /proc/sys/vm/drop_caches" if state == "cold" else None
                ours, ref, floor = alternate([ours_cmd, ref_cmd, floor_cmd], runs, warmup=0 if prep else 1, prepare=prep)
                data_mib = nblocks * 4096 / 2**20
                row = {"image_mib": mib, "data_mib": round(data_mib, 1), "cache": state, "ours": ours, "ref": ref,
                       "sha256sum": floor, "ratio": ratio(ours["median_ms"], ref["median_ms"]),
                       "ours_mib_s": round(data_mib / ours["median_ms"] * 1e3, 1),
                       "ref_mib_s": round(data_mib / ref["median_ms"] * 1e3, 1),
                       "sha256sum_mib_s": round(data_mib / floor["median_ms"] * 1e3, 1)}
                rows.append(row)
                line("%d MiB, %s cache" % (mib, state), ours["median_ms"], ref["median_ms"],
                     extra="  %.0f / %.0f MiB/s, sha256sum %.0f MiB/s" % (row["ours_mib_s"], row["ref_mib_s"],
                                                                         row["sha256sum_mib_s"]))
            tree_rows.append(bench_first_attach(a, work, keys, img, mib, nblocks, meta["verity-salt"], loop))
        finally:
            subprocess.run(["losetup", "-d", loop])
            os.unlink(img)
    if not cold:
        print("  (cold cache not measured: /proc/sys/vm/drop_caches is not writable)")
    return {"rows": rows, "first_attach": tree_rows, "cold_cache_measured": cold}


def bench_first_attach(a, work, keys, img, mib, nblocks, salt, loop):
    """The first attach of an image without a hash tree (as Citadel's
    builder writes it): realmfsctl attach computes the tree, checks its root
    and appends it (then fails at device-mapper, which the host lacks, or
    activates and is detached in the untimed step) vs veritysetup format of
    the same data with the same salt into a file, with and without sync."""
    root = os.path.join(work, "root-%d" % mib)
    images = os.path.join(root, "storage/realms/realmfs-images")
    os.makedirs(images, exist_ok=True)
    base = os.path.basename(img)
    name = base[:-len("-realmfs.img")]
    copy = os.path.join(images, base)
    hashfile = os.path.join(work, "tree-ref.verity")
    # the signature is not what is measured: realmboot.nosignatures
    env = dict(os.environ, REALMBOOT_ROOT=root, REALMBOOT_CMDLINE="realmboot.nosignatures")
    # untimed: a fresh tree-less image (header + data, flag clear), nothing active
    prep = ("%s detach %s >/dev/null 2>&1; cp --reflink=auto %s %s && truncate -s %d %s && "
            "printf '\\000' | dd of=%s bs=1 seek=5 conv=notrunc status=none; rm -f %s" %
            (keys.ctl, name, img, copy, 4096 * (1 + nblocks), copy, copy, hashfile))
    ours_cmd = "%s attach %s 2>/dev/null; [ $(od -An -tu1 -j5 -N1 %s) -eq 2 ]" % (keys.ctl, name, copy)
    ref_cmd = "veritysetup format --data-blocks=%d --salt=%s %s %s >/dev/null" % (nblocks, salt, loop, hashfile)
    sync_cmd = ref_cmd + " && sync %s" % hashfile
    runs = 3 if a.small else 5
    ours, ref, ref_sync = alternate([ours_cmd, ref_cmd, sync_cmd], runs, warmup=1, prepare=prep, env=env)
    data_mib = nblocks * 4096 / 2**20
    row = {"image_mib": mib, "ours": ours, "ref": ref, "ref_sync": ref_sync,
           "ratio": ratio(ours["median_ms"], ref["median_ms"]),
           "ratio_sync": ratio(ours["median_ms"], ref_sync["median_ms"]),
           "ours_mib_s": round(data_mib / ours["median_ms"] * 1e3, 1)}
    line("first attach, %d MiB (tree)" % mib, ours["median_ms"], ref["median_ms"],
         extra="  %.0f MiB/s; ref + sync %.1f ms (ratio %.3f)" % (row["ours_mib_s"], ref_sync["median_ms"],
                                                                row["ratio_sync"]))
    subprocess.run([keys.ctl, "detach", name], env=env, capture_output=True)
    shutil.rmtree(root, ignore_errors=True)
    if os.path.exists(hashfile):
        os.unlink(hashfile)
    return row


# ---- 3. key loading vs the KDF alone --------------------------------------------

KDF_C = r"""
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "keyring.h"
/* The keyring file's KDF alone: scrypt (salsa208sha256) at the Citadel
   parameters realmboot uses (lib/keyring.h), on a fixed salt. */
int main(int argc, char **argv) {
        unsigned char key[32], salt[crypto_pwhash_scryptsalsa208sha256_SALTBYTES] = { 1 };
        if (argc != 2 || sodium_init() < 0)
                return 2;
        if (crypto_pwhash_scryptsalsa208sha256(key, sizeof key, argv[1], strlen(argv[1]), salt,
                                               KEYRING_OPSLIMIT, KEYRING_MEMLIMIT) != 0)
                return 1;
        printf("%02x\n", key[0]);
        return 0;
}
"""


def bench_unlock(a, work, keys):
    """Runs inside a private session keyring (keyctl session)."""
    unlock = os.path.join(a.build, "initrd-helper/realmboot-unlock")
    kdf = os.path.join(work, "kdf-only")
    with open(kdf + ".c", "w") as f:
        f.write(KDF_C)
    cflags = sh("pkg-config", "--cflags", "--libs", "libsodium").split()
    lib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib")
    sh("cc", "-O2", "-I", lib, "-o", kdf, kdf + ".c", *cflags)
    root = os.path.join(work, "unlock-root")
    os.makedirs(os.path.join(root, "storage"), exist_ok=True)
    shutil.copy(keys.keyring, os.path.join(root, "storage/keyring"))
    print("\n3. realmboot-unlock from a cached passphrase vs the scrypt KDF alone (private session keyring)")
    env = dict(os.environ, REALMBOOT_CMDLINE="", REALMBOOT_LOG_TARGET="stderr")
    runs = 3 if a.small else 30
    rows = []
    for wrong in ([0, 1] if a.small else [0, 1, 2, 3]):
        # the cache: the right passphrase first (oldest), then WRONG newer wrong ones
        cache = "\\0".join([PASSPHRASE] + ["wrong %d" % i for i in range(wrong)])
        prep = "keyctl clear @s && printf '" + cache + "' | keyctl padd user cryptsetup @s >/dev/null"
        cmds = ["%s --root %s --target-keyring @s" % (unlock, root)]
        if wrong == 0:
            cmds.append("%s '%s'" % (kdf, PASSPHRASE))
        res = alternate(cmds, runs, warmup=1, prepare=prep, env=env)
        subprocess.run(prep, shell=True, check=True)
        if subprocess.run(cmds[0], shell=True, env=env, capture_output=True).returncode != 0 or \
           subprocess.run("keyctl search @s user realmfs-user", shell=True, capture_output=True).returncode != 0:
            raise RuntimeError("unlock bench: the keys were not loaded")
        rows.append({"wrong_cached": wrong, "unlock": res[0]})
        if wrong == 0:
            kdf_res = res[1]
            over = res[0]["median_ms"] - kdf_res["median_ms"]
            line("right passphrase cached", res[0]["median_ms"], kdf_res["median_ms"],
                 extra="  overhead beyond the KDF %.2f ms" % over)
        else:
            print("  %-34s ours %10.2f ms" % ("%d wrong passphrase(s) newer in the cache" % wrong, res[0]["median_ms"]))
    per_wrong = (rows[-1]["unlock"]["median_ms"] - rows[0]["unlock"]["median_ms"]) / rows[-1]["wrong_cached"]
    print("  cost of each wrong cached passphrase: %.1f ms (one KDF: %.1f ms)" % (per_wrong, kdf_res["median_ms"]))
    return {"rows": rows, "kdf_only": kdf_res,
            "ratio": ratio(rows[0]["unlock"]["median_ms"], kdf_res["median_ms"]),
            "overhead_ms": round(rows[0]["unlock"]["median_ms"] - kdf_res["median_ms"], 2),
            "per_wrong_passphrase_ms": round(per_wrong, 1)}


# ---- 4. create/sign vs mkfs.ext4 -d + veritysetup format ----------------------

def bench_create(a, work, keys, kdf_ms):
    sizes = [8] if a.small else [64, 512]
    print("\n4. realmfsctl create (and sign) vs mkfs.ext4 -d + veritysetup format by hand (same content)")
    rows = []
    for mib in sizes:
        content = os.path.join(work, "create-content-%d" % mib)
        make_content(content, mib)
        img = os.path.join(work, "c%d-realmfs.img" % mib)
        ref_img = os.path.join(work, "c%d-ref.img" % mib)
        nblocks = keys.create("c%d" % mib, content, img)["nblocks"]
        os.unlink(img)
        signed = os.path.join(work, "s%d-realmfs.img" % mib)
        keys.create("s%d" % mib, content, signed)
        ours_cmd = ("%s create --name c%d --from %s --keyring %s --passphrase-file %s %s" %
                    (keys.ctl, mib, content, keys.keyring, keys.pass_file, img))
        # the same steps by hand, sized right the first time: a read-only
        # style ext4 (no journal, no reserve) of the same size, then its
        # hash tree after it
        inodes = sum(1 + len(dn) + len(fn) for dp, dn, fn in os.walk(content)) + 16
        ref_cmd = ("mkfs.ext4 -q -F -t ext4 -b 4096 -m 0 -O ^has_journal,^resize_inode -N %d -d %s %s %d && "
                   "veritysetup format %s %s --hash-offset=%d --data-blocks=%d >/dev/null" %
                   (inodes, content, ref_img, nblocks, ref_img, ref_img, nblocks * 4096, nblocks))
        sign_cmd = "%s sign --keyring %s --passphrase-file %s %s" % (keys.ctl, keys.keyring, keys.pass_file, signed)
        runs = 3 if a.small else (10 if mib < 512 else 5)
        ours, ref, sign = alternate([ours_cmd, ref_cmd, sign_cmd], runs, warmup=1, prepare="rm -f %s %s" % (img, ref_img))
        row = {"content_mib": mib, "nblocks": nblocks, "ours": ours, "ref": ref, "sign": sign,
               "ratio": ratio(ours["median_ms"], ref["median_ms"])}
        rows.append(row)
        line("%d MiB of content" % mib, ours["median_ms"], ref["median_ms"],
             extra="  sign alone %.0f ms (the keyring KDF, %.0f ms, runs beside mkfs)" % (sign["median_ms"], kdf_ms))
        for p in (img, ref_img, signed):
            if os.path.exists(p):
                os.unlink(p)
        shutil.rmtree(content)
    return {"rows": rows, "kdf_ms_in_ours": round(kdf_ms, 1)}


# ---- 5. boot-time cost in the VM ---------------------------------------------

def our_units(rep):
    """From a VM report: our units' durations and the span they cover."""
    times = {k: int(v) for k, v in (l.rsplit(" ", 1) for l in rep.get("time", []))}
    stamps = {f[0]: (int(f[1]), int(f[2])) for f in (l.split() for l in rep.get("stamp", [])) if len(f) == 3}
    ours = {u: se for u, se in stamps.items() if u.startswith(("realmfs-verity@", "run-realmfs-"))}
    verity = [v for u, v in times.items() if u.startswith("realmfs-verity@")]
    mounts = [v for u, v in times.items() if u.startswith("run-realmfs-")]
    r = {"realmfs": len(verity), "unlock_ms": times.get("realmboot-unlock.service"),
         "verity_sum_ms": sum(verity), "verity_max_ms": max(verity, default=0),
         "mount_sum_ms": sum(mounts), "mount_max_ms": max(mounts, default=0),
         "span_ms": (max(e for s, e in ours.values()) - min(s for s, e in ours.values())) if ours else 0}
    if "userspace" in stamps and stamps.get("realms.target", (0, 0))[1] > 0:
        r["realms_target_after_userspace_ms"] = stamps["realms.target"][1] - stamps["userspace"][1]
    return r


def bench_vm(a):
    print("\n5. boot-time cost of realmboot in the VM (TCG: software emulation, so slow in absolute terms)")
    env_path = os.path.join(a.vm_out, "vm.env")
    if a.small or not os.path.exists(env_path):
        # the VM suite's last run (scenario boots of 3-5 RealmFS)
        path = os.path.join(a.vm_out, "timings.json")
        if not os.path.exists(path):
            print("  no VM: build it and run the VM suite first (SUITES=vm tests/run-all)")
            return None
        t = json.load(open(path))
        out = {}
        for boot, d in sorted(t.items()):
            u = {k: int(v) for k, v in d["units_ms"].items()}
            out[boot] = {"boot_s": d["boot_s"], "units_ms": u}
            print("  %-18s boot %3d s; %s" % (boot, d["boot_s"], ", ".join("%s %d ms" % kv for kv in sorted(u.items()))))
        return {"from_vm_suite": out}
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../tests/vm"))
    import vmrun
    env = vmrun.load_env(a.vm_out)
    work = tempfile.mkdtemp(prefix="realmboot-bench-vm-", dir="/var/tmp")
    ov1, ov2 = os.path.join(work, "1.qcow2"), os.path.join(work, "20.qcow2")
    try:
        # the realm set a boot sees is chosen by the boot before it
        vmrun.boot(a.vm_out, "vmtest.prep=bench-realms-1", keep=ov1)
        out = {}
        # the same 20-realm disk with a software TPM: measured ([L]: the
        # attaches in name order, one extension each) beside realmboot.measure=0
        # (no extension, no ordering): the cost of measuring 20 images
        tpm = vmrun.tpm_state(work)
        for label, backing, keep, prep, with_tpm in (
                ("1 realm", ov1, ov2, "vmtest.prep=bench-realms-20", False),
                ("20 realms", ov2, None, "", False),
                ("20, TPM, measure=0", ov2, None, "realmboot.measure=0", True),
                ("20, TPM, measured", ov2, None, "", True)):
            rep, text, t = vmrun.boot(a.vm_out, prep, backing=backing, keep=keep, tpm=tpm if with_tpm else None)
            if rep.get("done") != ["1"]:
                raise RuntimeError("VM bench boot %s did not finish" % label)
            r = our_units(rep)
            r["boot_s"] = round(t)
            r["measured_words"] = int((rep.get("measure-lines") or ["0"])[0])
            out[label] = r
            print("  %-19s %2d RealmFS: unlock %s ms; verity %d ms in all (longest %d); mounts %d ms in all; "
                  "span of our units %d ms; realms.target %s ms after userspace start; %d words measured" %
                  (label, r["realmfs"], r["unlock_ms"], r["verity_sum_ms"], r["verity_max_ms"], r["mount_sum_ms"],
                   r["span_ms"], r.get("realms_target_after_userspace_ms", "?"), r["measured_words"]))
        on, off = out["20, TPM, measured"], out["20, TPM, measure=0"]
        print("  measuring 20 images (ours: measured; ref: the same boot with realmboot.measure=0):")
        line("span of our units", on["span_ms"], max(off["span_ms"], 1))
        line("realms.target after userspace", on.get("realms_target_after_userspace_ms") or 0,
             max(off.get("realms_target_after_userspace_ms") or 0, 1))
        line("realmfs-verity units, sum", on["verity_sum_ms"], max(off["verity_sum_ms"], 1))
        return {"boots": out, "acceleration": "kvm" if "kvm" in " ".join(vmrun.accel(env["KERNEL"])) else "tcg"}
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---- 6. sealing: update, sign, fork vs veritysetup format and cp -------------

def nspawn_tree(tree):
    """A tree systemd-nspawn accepts (as tests/update/test-update.sh builds
    it): /usr/bin/sh (dash) with its libraries under /usr, bin, lib, lib64
    links to them, /etc/os-release; and the mount points nspawn would
    otherwise create (it failed to in the --small image: "No space left on
    device")."""
    os.makedirs(os.path.join(tree, "usr/bin"))
    for d, mode in (("etc", 0o755), ("dev", 0o755), ("proc", 0o555), ("sys", 0o555), ("run", 0o755),
                    ("var", 0o755), ("root", 0o700), ("tmp", 0o1777)):
        os.makedirs(os.path.join(tree, d))
        os.chmod(os.path.join(tree, d), mode)
    shutil.copy("/bin/dash", os.path.join(tree, "usr/bin/sh"))
    for lib in re.findall(r"(/\S+) \(0x", sh("ldd", "/bin/dash")):
        rel = lib.lstrip("/")
        dest = os.path.join(tree, rel if rel.startswith("usr/") else "usr/" + rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(lib, dest)
    for d in ("bin", "lib", "lib64"):
        if os.path.isdir(os.path.join(tree, "usr", d)):
            os.symlink("usr/" + d, os.path.join(tree, d))
    with open(os.path.join(tree, "etc/os-release"), "w") as f:
        f.write("ID=realmboot-bench\n")


def bench_seal(a, work):
    """Runs inside a private session keyring (keyctl session): the user key's
    seed and public key go there, as in safe mode."""
    import nacl.signing
    ctl = os.path.join(a.build, "tool/realmfsctl")
    mib = 8 if a.small else 1024
    runs = 2 if a.small else 3
    seed = os.urandom(32)
    for desc, data in (("realmfs-user-public", nacl.signing.SigningKey(seed).verify_key.encode()),
                       ("realmfs-user", seed)):
        subprocess.run(["keyctl", "padd", "user", desc, "@s"], input=data, check=True, stdout=subprocess.DEVNULL)
    root = os.path.join(work, "seal-root")
    images = os.path.join(root, "storage/realms/realmfs-images")
    os.makedirs(images)
    # names of their own: the update tests use base, other, forked (and the
    # nspawn machine of an update is update-NAME)
    img = os.path.join(images, "sealbench-realmfs.img")
    tree = os.path.join(work, "seal-tree")
    nspawn_tree(tree)
    make_content(os.path.join(tree, "data"), mib)
    env = dict(os.environ, REALMBOOT_ROOT=root, REALMBOOT_CMDLINE="")
    subprocess.run([ctl, "create", "--name", "sealbench", "--from", tree, img], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(tree)
    nblocks = json.loads(sh(ctl, "inspect", "--json", img))["metainfo"]["nblocks"]
    # the reference hashes the same data area, extracted once into a file
    data = os.path.join(work, "seal-data")
    sh("dd", "if=" + img, "of=" + data, "bs=4096", "skip=1", "count=%d" % nblocks, "status=none")
    hashf, copy, other = (os.path.join(work, n) for n in ("seal-hash", "seal-copy.img", "seal-other.img"))
    forked = os.path.join(images, "sealbench-fork-realmfs.img")
    fmt = "veritysetup format %s %s --data-block-size=4096 --hash-block-size=4096 >/dev/null" % (data, hashf)
    # sync (not timed): the 1 GiB a reference cp leaves dirty is not written
    # back during the next run; every run starts from the same clean cache
    prep = "sync; rm -f %s.0 %s %s %s %s" % (img, hashf, copy, other, forked)

    def sealed_ms(err):
        m = re.search(r"sealed in (\d+) ms", err)
        if not m:
            raise RuntimeError("update: no 'sealed in N ms' in: %s" % err)
        return float(m.group(1))

    print("\n6. realmfsctl update's sealing, sign, fork vs veritysetup format and cp --reflink=auto "
          "(%d MiB of random content, %d data blocks, warm cache)" % (mib, nblocks))
    rows = []
    upd, ref = alternate(["%s update --commit sealbench -- /bin/sh -c :" % ctl, fmt], runs, warmup=1, prepare=prep,
                         env=env, parse=[sealed_ms, None])
    rows.append({"step": "update seal", "ours": upd, "ref": ref, "goal": 1.1,
                 "reference": "veritysetup format DATA HASH (the data area extracted into a file)"})
    sign, ref, ref_sync = alternate(["%s sign %s" % (ctl, img), "cp --reflink=auto %s %s && %s" % (img, copy, fmt),
                                     "cp --reflink=auto %s %s && %s && sync %s %s" % (img, copy, fmt, copy, hashf)],
                                    runs, warmup=1, prepare=prep, env=env)
    rows.append({"step": "sign", "ours": sign, "ref": ref, "ref_fsync": ref_sync, "goal": 1.0,
                 "reference": "cp --reflink=auto IMAGE COPY && veritysetup format DATA HASH"})
    fork, ref, ref_sync = alternate(["%s fork sealbench sealbench-fork" % ctl, "cp --reflink=auto %s %s" % (img, other),
                                     "cp --reflink=auto %s %s && sync %s" % (img, other, other)],
                                    runs, warmup=1, prepare=prep, env=env)
    rows.append({"step": "fork", "ours": fork, "ref": ref, "ref_fsync": ref_sync, "goal": 1.1,
                 "reference": "cp --reflink=auto IMAGE OTHER"})
    for r in rows:
        r["ratio"] = ratio(r["ours"]["median_ms"], r["ref"]["median_ms"])
        r["goal_met"] = r["ratio"] <= r["goal"]
        extra = "  goal <= %.1f %s" % (r["goal"], "met" if r["goal_met"] else "MISSED")
        if "wall" in r["ours"]:
            extra += "; the whole update %.0f ms" % r["ours"]["wall"]["median_ms"]
        if "ref_fsync" in r:
            r["ratio_to_ref_fsync"] = ratio(r["ours"]["median_ms"], r["ref_fsync"]["median_ms"])
            extra += "; ref + fsync %.0f ms (ratio %.3f)" % (r["ref_fsync"]["median_ms"], r["ratio_to_ref_fsync"])
        line(r["step"], r["ours"]["median_ms"], r["ref"]["median_ms"], extra=extra)
    version = json.loads(sh(ctl, "inspect", "--json", img))["metainfo"]["version"]
    if version != 1 + 2 * (runs + 1):
        raise RuntimeError("seal bench: image version %d after the runs, expected %d" % (version, 1 + 2 * (runs + 1)))
    for p in (img, img + ".0", data, hashf, copy, other, forked):
        if os.path.exists(p):
            os.unlink(p)
    return {"content_mib": mib, "nblocks": nblocks, "rows": rows,
            "filesystem": sh("stat", "-f", "-c", "%T", work).strip()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    p.add_argument("--small", action="store_true")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.json"))
    p.add_argument("--only", default=",".join(SECTIONS))
    p.add_argument("--vm-out", default="build-vm")
    p.add_argument("--inner-unlock", help=argparse.SUPPRESS)
    p.add_argument("--inner-seal", help=argparse.SUPPRESS)
    a = p.parse_args()
    a.build = os.path.abspath(a.build)
    if a.inner_unlock:  # the unlock bench, in its own session keyring
        work = a.inner_unlock
        json.dump(bench_unlock(a, work, Keys(a, work)), open(os.path.join(work, "unlock.json"), "w"))
        return 0
    if a.inner_seal:  # the seal bench, in its own session keyring
        json.dump(bench_seal(a, a.inner_seal), open(os.path.join(a.inner_seal, "seal.json"), "w"))
        return 0
    only = a.only.split(",")
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        p.error("--only: unknown section(s) %s (sections: %s)" % (",".join(unknown), " ".join(SECTIONS)))
    machine = {"cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                            if l.startswith("model name")), "?"),
               "cpus": os.cpu_count(), "kernel": platform.release(),
               "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    results = {"machine": machine, "small": a.small}
    if set(only) != set(SECTIONS):
        # a partial run: the other sections keep their figures (of a run of the same size)
        try:
            old = json.load(open(a.out))
        except (OSError, ValueError):
            old = None
        if old and old.get("small") == a.small:
            results = old
        results.setdefault("partial_runs", {}).update({s: machine for s in only})
    work = tempfile.mkdtemp(prefix="realmboot-bench-", dir=SHM)
    disk = tempfile.mkdtemp(prefix="realmboot-bench-", dir="/var/tmp")
    try:
        if "generator" in only:
            results["generator"] = bench_generator(a, work)
        keys = Keys(a, disk)
        kdf_ms = None
        if "unlock" in only or "create" in only:
            subprocess.run(["keyctl", "session", "-", sys.executable, os.path.abspath(__file__), "--build", a.build,
                            "--inner-unlock", disk] + (["--small"] if a.small else []), check=True)
            results["unlock"] = json.load(open(os.path.join(disk, "unlock.json")))
            kdf_ms = results["unlock"]["kdf_only"]["median_ms"]
        if "verify" in only:
            results["verify"] = bench_verify(a, disk, keys)
        if "create" in only:
            results["create"] = bench_create(a, disk, keys, kdf_ms)
        if "vm" in only:
            results["vm"] = bench_vm(a)
        if "seal" in only:
            subprocess.run(["keyctl", "session", "-", sys.executable, os.path.abspath(__file__), "--build", a.build,
                            "--inner-seal", disk] + (["--small"] if a.small else []), check=True)
            results["seal"] = json.load(open(os.path.join(disk, "seal.json")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(disk, ignore_errors=True)
    with open(a.out + ".tmp", "w") as f:
        json.dump(results, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.rename(a.out + ".tmp", a.out)
    print("\nresults: %s" % a.out)
    return check_results(results, only)


def check_results(results, only):
    """One ok/not ok line per section: it ran and produced positive figures."""
    def medians(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "median_ms":
                    yield v
                else:
                    yield from medians(v)
        elif isinstance(x, list):
            for v in x:
                yield from medians(v)
    good = bad = 0
    for section in only:
        r = results.get(section)
        if section == "vm":
            boots = (r or {}).get("from_vm_suite") or (r or {}).get("boots") or {}
            ok = r is None or (bool(boots) and all(d.get("units_ms") or d.get("verity_sum_ms") for d in boots.values()))
            what = "vm: %s" % ("no VM timings (VM suite not run)" if r is None else "%d boots" % len(boots))
        else:
            m = list(medians(r))
            ok = bool(m) and all(v > 0 for v in m)
            what = "%s: %d figures" % (section, len(m))
        print("%s - bench %s" % ("ok" if ok else "not ok", what))
        good, bad = good + ok, bad + (not ok)
    print("%d passed, %d failed" % (good, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
