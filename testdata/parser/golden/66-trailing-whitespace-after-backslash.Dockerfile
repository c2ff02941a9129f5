# Continuation backslashes followed by trailing spaces and tabs.
FROM alpine:3.20
RUN apk add --no-cache \  
    curl \	
    git \ 	 
    && echo done
ENV A=1 \ 
    B=2
WORKDIR /app   
CMD ["sh"]	 
