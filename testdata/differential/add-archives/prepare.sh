mkdir -p src/dir/sub
echo alpha > src/alpha.txt
echo beta > src/dir/beta.txt
echo secret > src/dir/sub/secret.txt
chmod 0600 src/dir/sub/secret.txt
chmod 0700 src/dir/sub
ln -s alpha.txt src/alpha-link
tar="tar --sort=name --mtime=@0 --numeric-owner"
$tar --owner=1000 --group=1000 -C src -czf archive.tar.gz .
$tar --owner=0 --group=0 -C src -cf plain.tar alpha.txt dir
for z in bzip2 xz zstd; do
  $tar --owner=0 --group=0 --transform "s,^dir,$z," -C src -cf - dir | $z -c > archive.tar.$z
done
mv archive.tar.bzip2 archive.tar.bz2 && mv archive.tar.zstd archive.tar.zst
echo "not a tar" | gzip -n > single.txt.gz
rm -r src
