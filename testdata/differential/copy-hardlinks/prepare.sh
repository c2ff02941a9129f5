mkdir -p tree/sub
ln tree/original.txt tree/second-name.txt
ln tree/original.txt tree/sub/third-name.txt
