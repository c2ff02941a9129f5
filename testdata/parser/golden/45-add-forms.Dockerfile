# syntax=docker/dockerfile:1
FROM debian:bookworm-slim

# A local tarball is unpacked.
ADD vendor.tar.gz /opt/vendor/

# A remote file, pinned by checksum.
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \
    https://mirrors.edge.kernel.org/pub/linux/kernel/Historic/linux-0.01.tar.gz /usr/src/

# A git repository at a tag, keeping .git.
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.13.2 /usr/src/buildkit

# A git repository over SSH, one subdirectory of a branch.
ADD git@github.com:acme/protos.git#main:api/v1 /usr/src/protos

# Ownership and mode on a remote file.
ADD --chown=1000:1000 --chmod=0644 https://raw.githubusercontent.com/moby/buildkit/v0.13.2/LICENSE /licenses/buildkit/LICENSE

# Link mode and exclusions on a local directory.
ADD --link --exclude=*.md --exclude=drafts/ docs/ /usr/share/doc/app/

# JSON form with a space in the names.
ADD ["release notes.txt", "/usr/share/doc/app/RELEASE NOTES.txt"]

# Wildcards.
ADD patches/*.patch /usr/src/patches/
