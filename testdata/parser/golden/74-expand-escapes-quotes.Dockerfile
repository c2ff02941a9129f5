FROM alpine:3.20
ENV NAME=world

# Double quotes expand, single quotes do not, a backslash escapes the dollar.
ENV DOUBLE="hello $NAME" SINGLE='hello $NAME' ESCAPED=\$NAME BRACED_ESCAPED=\${NAME}
ENV MIXED="price: \$5 for ${NAME}" QUOTE_IN="say \"hi\"" APOSTROPHE="it's"
ENV CONCAT=pre-"$NAME"-'$NAME'-post
ENV PATH_WITH_SPACE=/opt/my\ app/bin
ENV LONELY_DOLLAR=cost$ TRAILING=$NAME$

LABEL plain=$NAME literal='$NAME' escaped="\$NAME" combined="${NAME}'s label"
WORKDIR "/home/$NAME"
COPY ["${NAME}.txt", "/data/"]
COPY '$literal.txt' /data/
RUN echo "$DOUBLE | $SINGLE | $ESCAPED | $MIXED"
