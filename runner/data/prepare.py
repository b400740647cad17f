"""`python -m runner.data.prepare SPEC`: before `make run`, install the spec's data set's Debian package if needed."""

import os
import shutil
import subprocess
import sys

from runner.data import image_files
from runner.errors import UserError
from runner.spec import load_spec


def install_prefix() -> list[str] | None:
    """How to install packages without asking: [] as root, sudo -n when it needs no password, else None."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def apt_install(prefix: list[str], package: str, run=subprocess.run) -> None:
    """`apt-get install -y package`; when that fails (unknown package, stale lists) `apt-get update` and retry."""
    install = [*prefix, "apt-get", "install", "-y", "-qq", package]
    if run(install, capture_output=True).returncode == 0:
        return
    run([*prefix, "apt-get", "update", "-qq"])
    if run(install).returncode != 0:
        raise UserError(f"`{' '.join(install)}` failed (apt's message is above); install {package} by hand, "
                        "or set data.root to a folder with the IDX files, or data.download: true")


def prepare(spec_path: str, *, probe=install_prefix, run=subprocess.run, say=print) -> None:
    """Nothing when the spec's data is present or downloaded; else install its package or say how (UserError)."""
    data = load_spec(spec_path).section("data")
    provider, root = data["provider"], data.get("root")
    if provider not in image_files.PROVIDERS or data.get("download") or image_files.locate(provider, root):
        return
    package = image_files.DEBIAN_PACKAGES.get(provider)
    prefix = probe() if package and not root else None
    if prefix is None:
        raise UserError(image_files.missing_message(provider, root))
    say(f"{provider}: the data set is not on this machine; installing Debian's package: "
        f"{' '.join([*prefix, 'apt-get', 'install', '-y', package])}")
    apt_install(prefix, package, run)
    if image_files.locate(provider, root) is None:
        raise UserError(f"{package} is installed, yet " + image_files.missing_message(provider, root))


def main(argv=None, **injected) -> int:
    """Exit 0 with the data in place, 2 with one message saying how to provide it (`injected`: see prepare)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m runner.data.prepare SPEC", file=sys.stderr)
        return 2
    try:
        prepare(args[0], **injected)
    except UserError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
