# syntax=docker/dockerfile:1.7
# check=skip=JSONArgsRecommended,StageNameCasing;error=false
#escape=\

# The three lines above are parser directives. The blank line ends them, so
# the next line is an ordinary comment and does not change the escape char.
# escape=`
FROM alpine:3.20
RUN echo "backslash still continues lines" \
    && echo "ok"
CMD echo "shell-form CMD; its JSONArgsRecommended warning is skipped"
