"""Reads library paths on stdin; prints those whose Debian package is neither in
the dependency closure of the packages named in argv nor in the slim base image.
Works offline: the closure is computed from the installed packages' Depends and
Pre-Depends (dpkg-query), which is where every library found on this machine
came from."""
import subprocess
import sys

# Packages of debian:bookworm-slim that libraries can come from (Priority: required).
BASE = {"libc6", "libgcc-s1", "zlib1g", "libzstd1", "liblzma5", "libbz2-1.0",
        "libselinux1", "libpcre2-8-0", "libcrypt1", "libacl1", "libattr1",
        "libaudit1", "libcap-ng0", "libsystemd0", "libgcrypt20", "libgpg-error0",
        "liblz4-1", "libgmp10", "libstdc++6", "libtinfo6", "libudev1", "libdb5.3",
        "libsemanage2", "libsepol2", "libsmartcols1", "libuuid1", "libblkid1",
        "libmount1", "libpam0g", "libxxhash0", "libhogweed6", "libnettle8",
        "libgnutls30", "libidn2-0", "libp11-kit0", "libtasn1-6", "libunistring2",
        "libffi8", "libcap2", "libmd0", "libseccomp2", "libext2fs2", "libcom-err2",
        "libss2", "libdebconfclient0", "libapt-pkg6.0"}


def deps(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", pkg],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return []
    out = []
    for alt in r.stdout.split(","):
        for choice in alt.split("|"):
            name = choice.strip().split(" ")[0].split(":")[0]
            if name:
                out.append(name)
    return out


def closure(roots):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo.extend(deps(p))
    return seen


def owner(path):
    r = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
    if r.returncode != 0:
        # /lib is a symlink to /usr/lib on bookworm: dpkg knows one of the two.
        alt = path.replace("/lib/", "/usr/lib/", 1) if path.startswith("/lib/") else path.replace("/usr/lib/", "/lib/", 1)
        r = subprocess.run(["dpkg", "-S", alt], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return r.stdout.split(":")[0].strip()


ok = closure(sys.argv[1:]) | BASE
bad = []
for line in sys.stdin:
    lib = line.strip()
    if not lib:
        continue
    pkg = owner(lib)
    if pkg is None or pkg not in ok:
        bad.append(f"{lib} ({pkg or 'no package'})")
print(" ".join(bad), end="")
