FROM alpine
RUN --network=bridged true
