yes 0123456789abcdef | head -c 6291456 > big.bin
