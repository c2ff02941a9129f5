# syntax=docker/dockerfile:1
FROM gradle:8.7-jdk17 AS build
WORKDIR /home/gradle/project
COPY --chown=gradle:gradle settings.gradle.kts build.gradle.kts gradle.properties ./
COPY --chown=gradle:gradle gradle ./gradle
RUN --mount=type=cache,target=/home/gradle/.gradle/caches,uid=1000,gid=1000 \
    gradle dependencies --no-daemon --quiet
COPY --chown=gradle:gradle src ./src
RUN --mount=type=cache,target=/home/gradle/.gradle/caches,uid=1000,gid=1000 \
    gradle installDist --no-daemon

FROM gcr.io/distroless/java17-debian12:nonroot
COPY --from=build /home/gradle/project/build/install/app/lib /app/lib
WORKDIR /app
ENTRYPOINT ["java", "-XX:+UseContainerSupport", "-cp", "/app/lib/*", "com.example.MainKt"]
