; Inno Setup script: a per-user installer (no administrator rights) for the one-folder build.
; packaging/build.py runs it as:
;   iscc /DAppVersion=X /DSourceDir=build\dist\cnnstudio /DOutputDir=build\dist cnnstudio.iss

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6B0C1E9A-3F7D-4C5B-9C1E-5A1D0C0FFEE1}
AppName=cnnstudio
AppVersion={#AppVersion}
AppPublisher=cnnstudio
DefaultDirName={localappdata}\Programs\cnnstudio
DefaultGroupName=cnnstudio
PrivilegesRequired=lowest
OutputDir={#OutputDir}
OutputBaseFilename=cnnstudio-{#AppVersion}-setup
SetupIconFile=..\..\resources\cnnstudio.ico
UninstallDisplayIcon={app}\cnnstudio.exe
Compression=lzma2/fast
SolidCompression=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
WizardStyle=modern
DisableProgramGroupPage=yes

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{userprograms}\cnnstudio"; Filename: "{app}\cnnstudio.exe"
Name: "{userdesktop}\cnnstudio"; Filename: "{app}\cnnstudio.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\cnnstudio.exe"; Description: "Start cnnstudio"; Flags: nowait postinstall skipifsilent
