# Indentation before instructions and tabs as separators.
    FROM alpine:3.20 AS base
	WORKDIR /app
  RUN echo "indented with two spaces"
	ENV	KEY=value	OTHER=thing
COPY	.	/app
    # an indented comment
		LABEL tabbed="yes"
 	 EXPOSE 8080
	CMD	["sh"]
