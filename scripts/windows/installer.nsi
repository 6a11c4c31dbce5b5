; The Safekeep app's Windows installer (makensis, from Debian's nsis): a per-user install
; (no administrator rights, nothing outside the person's own profile), a Start-menu
; entry, and an uninstaller that removes the program but never the vault, which lives in
; the person's data folder and holds their evidence.
;
; makensis -DVERSION=0.1.0 -DSRC=<folder with safekeep-app.exe, WebView2Loader.dll,
;          safekeep.exe> -DOUT=<installer.exe> -DICON=<icon.ico> installer.nsi

Unicode true
; A 64-bit installer for a 64-bit program (and Wine without 32-bit support can run it).
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user
Name "Safekeep"
OutFile "${OUT}"
Icon "${ICON}"
UninstallIcon "${ICON}"
InstallDir "$LOCALAPPDATA\Programs\Safekeep"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "Safekeep"
VIAddVersionKey "FileDescription" "Safekeep evidence keeper"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "Safekeep contributors"

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Section "Safekeep"
  SetOutPath "$INSTDIR"
  File "${SRC}\safekeep-app.exe"
  File "${SRC}\WebView2Loader.dll"
  File "${SRC}\safekeep.exe"
  WriteUninstaller "$INSTDIR\Uninstall Safekeep.exe"
  CreateDirectory "$SMPROGRAMS\Safekeep"
  CreateShortcut "$SMPROGRAMS\Safekeep\Safekeep.lnk" "$INSTDIR\safekeep-app.exe"
  CreateShortcut "$SMPROGRAMS\Safekeep\Uninstall Safekeep.lnk" "$INSTDIR\Uninstall Safekeep.exe"
  ; "Apps & features" for this user only.
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Safekeep" "DisplayName" "Safekeep"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Safekeep" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Safekeep" "UninstallString" '"$INSTDIR\Uninstall Safekeep.exe"'
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Safekeep" "DisplayIcon" "$INSTDIR\safekeep-app.exe"
  WriteRegDWORD HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Safekeep" "NoModify" 1
  WriteRegDWORD HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Safekeep" "NoRepair" 1
SectionEnd

Section "Uninstall"
  ; The program only. The vault (%APPDATA%\Safekeep) is the person's evidence: it stays.
  Delete "$INSTDIR\safekeep-app.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\safekeep.exe"
  Delete "$INSTDIR\Uninstall Safekeep.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\Safekeep\Safekeep.lnk"
  Delete "$SMPROGRAMS\Safekeep\Uninstall Safekeep.lnk"
  RMDir "$SMPROGRAMS\Safekeep"
  DeleteRegKey HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Safekeep"
SectionEnd
