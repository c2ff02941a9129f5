touch empty.txt
mkdir -p tree/empty-dir tree/nested/empty
touch tree/nested/zero
