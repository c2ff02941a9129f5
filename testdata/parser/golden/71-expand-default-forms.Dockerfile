FROM alpine:3.20
ARG SET=value
ARG EMPTY=
# Declared without a default and not passed: unset.
ARG UNSET

# Plain forms.
ENV PLAIN1=$SET PLAIN2=${SET} PLAIN3=${SET}suffix PLAIN4=$SET-suffix

# ${V:-w}: w when unset or empty.
ENV D1=${SET:-default} D2=${EMPTY:-default} D3=${UNSET:-default}
# ${V-w}: w only when unset.
ENV E1=${SET-default} E2=${EMPTY-default} E3=${UNSET-default}
# ${V:+w}: w when set and not empty.
ENV P1=${SET:+alt} P2=${EMPTY:+alt} P3=${UNSET:+alt}
# ${V+w}: w when set, even if empty.
ENV Q1=${SET+alt} Q2=${EMPTY+alt} Q3=${UNSET+alt}

# The word may itself contain variables and spaces.
ENV NESTED=${UNSET:-${SET}-fallback} SPACED="${UNSET:-two words}"

WORKDIR /srv/${UNSET:-default-dir}
LABEL mode="${SET:+configured}" fallback=${EMPTY:-none}
EXPOSE ${UNSET:-8080}
USER ${UNSET:-nobody}
RUN env | sort
