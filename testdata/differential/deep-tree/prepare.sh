d=ctxtree
for i in $(seq 1 40); do d=$d/d$i; done
mkdir -p $d
echo bottom > $d/file
for i in $(seq 1 200); do echo $i > ctxtree/f$i; done
