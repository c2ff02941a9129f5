# Instruction names are case-insensitive.
from alpine:3.20 as build
run echo lower > /lower.txt
Workdir /src
CoPy . .
Env MIXED=Case
arg VERSION=1

FROM alpine:3.20 AS Final
copy --from=build /lower.txt /
Label case=mixed
eXpOsE 8080
Entrypoint ["cat"]
cmd ["/lower.txt"]
