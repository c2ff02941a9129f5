# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022

SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]

ENV APP_HOME=C:\app `
    LOG_DIR=C:\app\logs

WORKDIR C:\app

# Backslashes are plain characters here, even at the end of a line.
COPY bin\Release\net8.0\publish\ C:\app\

RUN New-Item -ItemType Directory -Force -Path $env:LOG_DIR | Out-Null; `
    Write-Host 'Created' $env:LOG_DIR

ADD https://dl.example.com/tools/tool-1.4.0.zip C:\temp\tool.zip
RUN Expand-Archive -Path C:\temp\tool.zip -DestinationPath C:\tools; `
    Remove-Item C:\temp\tool.zip; `
    setx /M PATH $('C:\tools;' + $env:PATH)

USER ContainerUser
EXPOSE 5000
HEALTHCHECK --interval=30s CMD powershell -Command "try { Invoke-WebRequest -UseBasicParsing http://localhost:5000/health } catch { exit 1 }"
ENTRYPOINT ["C:\\app\\App.exe"]
CMD ["--urls", "http://+:5000"]
