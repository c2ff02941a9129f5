ln -s target.txt tree/relative-link
ln -s /etc/passwd tree/absolute-link
ln -s does-not-exist tree/dangling-link
ln -s sub tree/dir-link
ln -s tree/target.txt link-to-file
ln -s tree/sub link-to-dir
