/* CFBundleCreate-style loading (unit tests of lcp_dlopen_paths and the
 * audit's bundle rules): a bundle's path reaches the loader as a CFURL made
 * from a constant CFString (CFSTR, laid out in __cfstring) or C string.
 * The declarations stand in for <CoreFoundation/CoreFoundation.h>. */
typedef const struct __CFString *CFStringRef;
typedef const struct __CFURL *CFURLRef;
typedef struct __CFBundle *CFBundleRef;
typedef struct __CFBundle *CFPlugInRef;
typedef const struct __CFAllocator *CFAllocatorRef;
typedef long CFIndex;
typedef unsigned char Boolean;
typedef unsigned char UInt8;
enum { kCFURLPOSIXPathStyle = 0 };
extern const CFAllocatorRef kCFAllocatorDefault;
CFURLRef CFURLCreateWithFileSystemPath(CFAllocatorRef, CFStringRef, CFIndex, Boolean);
CFURLRef CFURLCreateFromFileSystemRepresentation(CFAllocatorRef, const UInt8 *, CFIndex, Boolean);
CFBundleRef CFBundleCreate(CFAllocatorRef, CFURLRef);
CFPlugInRef CFPlugInCreate(CFAllocatorRef, CFURLRef);
void CFShow(const void *);
void CFRelease(const void *);
#define CFSTR(s) ((CFStringRef)__builtin___CFStringMakeConstantString(s))

int main(int argc, char **argv) {
    (void)argv;
    /* CoreFoundation does not expand @executable_path: a relative URL */
    CFURLRef url = CFURLCreateWithFileSystemPath(
        kCFAllocatorDefault, CFSTR("@executable_path/../PlugIns/Filter.bundle"), kCFURLPOSIXPathStyle, 1);
    CFBundleRef b = CFBundleCreate(kCFAllocatorDefault, url);
    CFRelease(url);
    if (argc > 1) {
        url = CFURLCreateFromFileSystemRepresentation(kCFAllocatorDefault,
                                                      (const UInt8 *)"/Library/Audio/Plug-Ins/Old.component", 37, 1);
        b = CFPlugInCreate(kCFAllocatorDefault, url);
    }
    /* a URL that nothing loads */
    CFShow(CFURLCreateWithFileSystemPath(kCFAllocatorDefault, CFSTR("/not/loaded.bundle"), kCFURLPOSIXPathStyle, 1));
    if (b == 0)
        return 1;
    url = CFURLCreateWithFileSystemPath(kCFAllocatorDefault, CFSTR("/usr/local/lib/Helper.bundle"),
                                        kCFURLPOSIXPathStyle, 1);
    return CFBundleCreate(kCFAllocatorDefault, url) != 0;
}
