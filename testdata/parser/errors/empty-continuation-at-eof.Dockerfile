FROM alpine
RUN echo hi
RUN \
