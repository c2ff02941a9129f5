FROM alpine
EXPOSE 80/tcpx
